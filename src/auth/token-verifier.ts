import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import { AccessException, type Caller } from '../job-queue';
import { hasAdminClaim } from './admin-claim';
import type { AuthSettings } from './auth-settings';

export type TokenVerifier = (token: string) => Promise<Caller>;

const logger = new Logger('Auth');

/**
 * Verifies Bearer JWTs with jose: HS256 against AUTH_JWT_SECRET, or RS256/ES256 against the keys at AUTH_JWKS_URL
 * (createRemoteJWKSet caches them and fetches again when a token names a key it does not know, i.e. on rotation).
 * Undefined when neither is set.
 */
export function createTokenVerifier(settings: AuthSettings): TokenVerifier | undefined {
  const options: JWTVerifyOptions = { issuer: settings.issuer, audience: settings.audience };
  let verify: (token: string) => Promise<JWTVerifyResult>;
  if (settings.jwtSecret) {
    const secret = new TextEncoder().encode(settings.jwtSecret);
    verify = (token) => jwtVerify(token, secret, { ...options, algorithms: ['HS256'] });
  } else if (settings.jwksUrl) {
    const keys = createRemoteJWKSet(new URL(settings.jwksUrl));
    verify = (token) => jwtVerify(token, keys, { ...options, algorithms: ['RS256', 'ES256'] });
  } else {
    return undefined;
  }
  return async (token) => {
    let payload;
    try {
      ({ payload } = await verify(token));
    } catch (error) {
      throw refusal(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '')
      throw AccessException.unauthenticated('The token has no sub claim (the user id)');
    return { userId: payload.sub, isAdmin: hasAdminClaim(payload, settings.adminClaim) };
  };
}

function refusal(error: unknown): AccessException {
  if (error instanceof errors.JWTExpired) return AccessException.unauthenticated('The token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return AccessException.unauthenticated(`The token's ${error.claim} claim is not accepted`);
  }
  if (
    error instanceof errors.JWKSTimeout ||
    !(error instanceof errors.JOSEError) ||
    error instanceof errors.JWKSInvalid
  ) {
    // The key server, not the token: worth a line in the log, since every sign-in fails while it lasts.
    logger.warn(`AUTH_JWKS_URL could not be used: ${error instanceof Error ? error.message : String(error)}`);
    return AccessException.unauthenticated('The token could not be checked: the signing keys are unavailable');
  }
  return AccessException.unauthenticated('The token is not valid (signature, key or format)');
}
