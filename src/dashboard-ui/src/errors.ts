import type { CombinedError } from '@urql/core';

/** What each public error code (README "Try it") means to someone at the dashboard. */
const IN_WORDS: Record<string, string> = {
  UNAUTHENTICATED: 'Sign-in needed: the token is missing, expired or not accepted.',
  FORBIDDEN: 'Only an administrator may do this.',
  NOT_FOUND: 'That job does not exist, or is not yours.',
  CONFLICT: 'The job is not in a state that allows this.',
  BAD_USER_INPUT: 'The service refused the input.',
  RATE_LIMITED: 'Too many requests for now; try again shortly.',
  SERVICE_UNAVAILABLE: 'The database cannot be reached right now; try again shortly.',
  QUERY_TOO_COMPLEX: 'The request was too large for the service’s limits.',
  PAYLOAD_TOO_LARGE: 'The file is larger than the service accepts.',
  REQUEST_TIMEOUT: 'The upload stalled and the service gave up on it.',
};

export function errorCode(error: CombinedError | undefined): string | undefined {
  const code = error?.graphQLErrors[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}

/** One readable sentence, followed by the service's own message, which names the field or the rule. */
export function inWords(code: string | undefined, message: string | undefined): string {
  const known = code ? IN_WORDS[code] : undefined;
  if (!known) return message || 'Something went wrong.';
  return message && message !== known ? `${known} (${message})` : known;
}

export function describeError(error: CombinedError): string {
  if (error.networkError && error.graphQLErrors.length === 0) {
    return 'The service cannot be reached. Check that it is running, then reload.';
  }
  return inWords(errorCode(error), error.graphQLErrors[0]?.message);
}
