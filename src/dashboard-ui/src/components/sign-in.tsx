import { useState } from 'preact/hooks';
import { ErrorMessage } from './error-message';

/** The token field, shown when the service answered UNAUTHENTICATED; `refused` when a token was already tried. */
export function SignIn({ refused, onToken }: { refused: boolean; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <form
      class="panel sign-in"
      aria-labelledby="sign-in-title"
      onSubmit={(event) => {
        event.preventDefault();
        if (token.trim()) onToken(token.trim());
      }}
    >
      <h2 id="sign-in-title">Sign in</h2>
      <p>This service requires sign-in. Paste a token (a JWT or an API key); it is kept for this browser tab only.</p>
      {refused && <ErrorMessage text="That token was not accepted: it may be expired, or not for this service." />}
      <label>
        Sign-in token{' '}
        <input
          type="password"
          autoComplete="off"
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
      </label>
      <button type="submit">Sign in</button>
    </form>
  );
}
