import type { CombinedError } from '@urql/core';
import { describeError } from '../errors';

/** An error in words, announced to screen readers as it appears. */
export function ErrorMessage({ error, text }: { error?: CombinedError; text?: string }) {
  const message = text ?? (error ? describeError(error) : undefined);
  if (!message) return null;
  return (
    <p class="error" role="alert">
      {message}
    </p>
  );
}
