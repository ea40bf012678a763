/** The sign-in token, kept for this browser tab's session only (sessionStorage), as the README's clients do. */
const TOKEN_KEY = 'file-jobs-token';

export function storedToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** The header HTTP requests carry, and the graphql-ws connectionParams (src/auth/credentials.ts reads both). */
export function authorization(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
