import { AccessException, type ResolveCaller } from '../job-queue';
import { ApiKeyRing } from './api-key-file';
import { type AuthSettings, signInConfigured } from './auth-settings';
import { presentedCredential } from './credentials';
import { createTokenVerifier } from './token-verifier';

/**
 * The standalone server's resolveCaller: an API key from AUTH_API_KEYS_FILE or a JWT (AUTH_JWT_SECRET or
 * AUTH_JWKS_URL); anything else is UNAUTHENTICATED. Undefined when no sign-in is configured (the module's
 * default, the anonymous administrator, applies). Reads the key file now: a bad file stops start-up.
 */
export function createStandaloneResolveCaller(settings: AuthSettings): ResolveCaller | undefined {
  if (!signInConfigured(settings)) return undefined;
  const apiKeys = settings.apiKeysFile ? ApiKeyRing.fromFile(settings.apiKeysFile) : undefined;
  const verifyToken = createTokenVerifier(settings);
  const accepted = [
    apiKeys && 'an API key (Authorization: Bearer <key> or x-api-key)',
    verifyToken && 'a JWT (Authorization: Bearer <token>)',
  ]
    .filter(Boolean)
    .join(' or ');
  return async (context) => {
    const credential = presentedCredential(context);
    if (!credential || credential.value === '') throw AccessException.unauthenticated(`Sign in: send ${accepted}`);
    const byKey = apiKeys?.match(credential.value);
    if (byKey) return byKey;
    if (credential.kind === 'bearer' && verifyToken) return verifyToken(credential.value);
    throw AccessException.unauthenticated(
      credential.kind === 'api-key' ? 'Unknown API key' : 'Unknown API key or token',
    );
  };
}
