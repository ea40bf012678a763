import type { JWTPayload } from 'jose';

/**
 * A token's holder is an admin when its claim `claim` is the string "admin" or an array holding it. The claim is
 * read by its exact name, not as a dotted path: namespaced claims (`https://example.com/roles`) contain dots.
 */
export function hasAdminClaim(payload: JWTPayload, claim: string): boolean {
  const value = payload[claim];
  return value === 'admin' || (Array.isArray(value) && value.includes('admin'));
}
