/** Sign-in settings of the standalone server (AUTH_* environment variables, read by src/config/environment.ts). */
export interface AuthSettings {
  /** AUTH_JWT_SECRET: HS256 shared secret of Bearer JWTs. */
  jwtSecret?: string;
  /** AUTH_JWKS_URL: where the RS256/ES256 public keys of Bearer JWTs are published. */
  jwksUrl?: string;
  /** AUTH_ISSUER / AUTH_AUDIENCE: the `iss` / `aud` a JWT must carry, when set. */
  issuer?: string;
  audience?: string;
  /** AUTH_ADMIN_CLAIM: the JWT claim that makes an admin when it is "admin" or an array holding it. Default `roles`. */
  adminClaim: string;
  /** AUTH_API_KEYS_FILE: static API keys, one `<sha256 hex> <user-id> [admin]` a line. */
  apiKeysFile?: string;
  /** AUTH_DISABLED=true: run without sign-in even in production, everyone an anonymous administrator. */
  disabled: boolean;
}

/** The settings that, one of them given, let a production server start. */
export const AUTH_SETTING_NAMES = ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_API_KEYS_FILE', 'AUTH_DISABLED'] as const;

export function signInConfigured(settings: AuthSettings): boolean {
  return !settings.disabled && Boolean(settings.jwtSecret || settings.jwksUrl || settings.apiKeysFile);
}

/**
 * What start-up says about sign-in: `refusal` stops a production server that has none (nobody may run an open
 * queue in production by forgetting a variable); `warning` is logged when every caller is the anonymous admin.
 */
export function signInAtStartup(settings: AuthSettings, production: boolean): { refusal?: string; warning?: string } {
  if (signInConfigured(settings)) return {};
  if (settings.disabled)
    return { warning: 'AUTH_DISABLED=true: no sign-in, every caller is an anonymous administrator' };
  if (production) {
    return {
      refusal:
        'NODE_ENV=production needs sign-in: set AUTH_JWT_SECRET (HS256), AUTH_JWKS_URL (RS256/ES256) or AUTH_API_KEYS_FILE, ' +
        'or AUTH_DISABLED=true to run without it on purpose',
    };
  }
  return {
    warning:
      'No sign-in configured (AUTH_JWT_SECRET, AUTH_JWKS_URL, AUTH_API_KEYS_FILE): every caller is an anonymous administrator',
  };
}
