import type { AuthSettings } from '../auth/auth-settings';
import { DEFAULT_GRAPHQL_LIMITS, type GraphQLLimits } from '../graphql-limits';
import { DEFAULT_MAX_JSON_BODY_BYTES } from '../http-security/body-limit';
import { parseOrigins } from '../http-security/origins';
import { DEFAULT_RATE_LIMITS, type RateLimitSettings } from '../http-security/rate-limits';
import { DEFAULT_WS_LIMITS, type WsLimitSettings } from '../http-security/ws-limits';
import type { JobQueueModuleOptions } from '../job-queue';
import type { LogSettings } from '../observability/logging';
import { validConfiguration } from './configuration-problems';
import { logSettingsFromEnvironment } from './log-environment';
import { queueOptionsFromEnvironment } from './queue-environment';

export interface AppConfig {
  port: number;
  production: boolean;
  /** Stack traces in GraphQL errors (GRAPHQL_DEBUG); off unless asked for, whatever NODE_ENV says. */
  graphqlDebug?: boolean;
  /** Sign-in (AUTH_*); unset in a hand-built config: none, as with an empty environment. */
  auth?: AuthSettings;
  /** Operation size limits (GRAPHQL_MAX_*); unset ones take DEFAULT_GRAPHQL_LIMITS. */
  graphqlLimits?: Partial<GraphQLLimits>;
  /** RATE_LIMIT_*: per-caller budgets of mutations and uploads; unset in a hand-built config: none. */
  rateLimits?: RateLimitSettings;
  /** GRAPHQL_WS_MAX_*: open graphql-ws connections and subscriptions per caller; unset in a hand-built config: none. */
  wsLimits?: WsLimitSettings;
  /** GRAPHQL_MAX_BODY_BYTES: the JSON body cap, applied by main.ts where the app is created (unset: Nest's 100 kB). */
  maxJsonBodyBytes?: number;
  /** CORS_ORIGINS: browser origins allowed on every route and on graphql-ws; none when unset. */
  corsOrigins?: string[];
  /** METRICS_TOKEN: GET /metrics needs it as a Bearer token; open when unset. */
  metricsToken?: string;
  /** GRAPHQL_INTROSPECTION / GRAPHQL_LANDING_PAGE: unset, on outside production and off in it. */
  graphqlIntrospection?: boolean;
  graphqlLandingPage?: boolean;
  /** LOG_FORMAT (json in production, pretty otherwise) and LOG_LEVEL (info); unset in a hand-built config: Nest's logger. */
  logging?: LogSettings;
  jobQueue: JobQueueModuleOptions;
}

type Env = Record<string, string | undefined>;

/** Reads and checks the environment; every problem is reported at once, naming the variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const integer = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!/^\s*\d+\s*$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got "${env[name]}"`);
    return fallback;
  };
  const production = env.NODE_ENV === 'production';
  const config: AppConfig = {
    port: integer('PORT', 3000, 0, 65535),
    production,
    // Unset: off (undefined, like the other optional settings).
    graphqlDebug: env.GRAPHQL_DEBUG?.trim() ? boolean('GRAPHQL_DEBUG', false) : undefined,
    auth: authSettings(env, problems, boolean('AUTH_DISABLED', false)),
    graphqlLimits: {
      maxAliases: integer('GRAPHQL_MAX_ALIASES', DEFAULT_GRAPHQL_LIMITS.maxAliases, 1, 10_000),
      maxDepth: integer('GRAPHQL_MAX_DEPTH', DEFAULT_GRAPHQL_LIMITS.maxDepth, 1, 1_000),
      maxCost: integer('GRAPHQL_MAX_COST', DEFAULT_GRAPHQL_LIMITS.maxCost, 1, 10_000_000),
      maxDirectives: integer('GRAPHQL_MAX_DIRECTIVES', DEFAULT_GRAPHQL_LIMITS.maxDirectives, 1, 10_000),
    },
    rateLimits: {
      mutationsPerMinute: integer(
        'RATE_LIMIT_MUTATIONS_PER_MINUTE',
        DEFAULT_RATE_LIMITS.mutationsPerMinute,
        0,
        1_000_000,
      ),
      uploadsPerMinute: integer('RATE_LIMIT_UPLOADS_PER_MINUTE', DEFAULT_RATE_LIMITS.uploadsPerMinute, 0, 1_000_000),
    },
    wsLimits: {
      maxConnectionsPerCaller: integer(
        'GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER',
        DEFAULT_WS_LIMITS.maxConnectionsPerCaller,
        0,
        1_000_000,
      ),
      maxSubscriptionsPerCaller: integer(
        'GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER',
        DEFAULT_WS_LIMITS.maxSubscriptionsPerCaller,
        0,
        1_000_000,
      ),
    },
    maxJsonBodyBytes: integer('GRAPHQL_MAX_BODY_BYTES', DEFAULT_MAX_JSON_BODY_BYTES, 1_024, 100 * 1024 ** 2),
    corsOrigins: corsOrigins(env.CORS_ORIGINS, problems),
    metricsToken: env.METRICS_TOKEN?.trim() || undefined,
    graphqlIntrospection: env.GRAPHQL_INTROSPECTION?.trim() ? boolean('GRAPHQL_INTROSPECTION', false) : undefined,
    graphqlLandingPage: env.GRAPHQL_LANDING_PAGE?.trim() ? boolean('GRAPHQL_LANDING_PAGE', false) : undefined,
    logging: logSettingsFromEnvironment(env, problems),
    jobQueue: queueOptionsFromEnvironment(env, problems),
  };
  return validConfiguration(config, problems);
}

/** AUTH_*: each value checked, and combinations that cannot mean what was intended refused. */
function authSettings(env: Env, problems: string[], disabled: boolean): AuthSettings {
  const text = (name: string): string | undefined => env[name]?.trim() || undefined;
  const settings: AuthSettings = {
    jwtSecret: text('AUTH_JWT_SECRET'),
    jwksUrl: text('AUTH_JWKS_URL'),
    issuer: text('AUTH_ISSUER'),
    audience: text('AUTH_AUDIENCE'),
    adminClaim: text('AUTH_ADMIN_CLAIM') ?? 'roles',
    apiKeysFile: text('AUTH_API_KEYS_FILE'),
    disabled,
  };
  // RFC 7518 3.2: an HS256 key must be at least as long as the hash (256 bits).
  if (settings.jwtSecret && Buffer.byteLength(settings.jwtSecret) < 32)
    problems.push('AUTH_JWT_SECRET must be at least 32 bytes long');
  if (settings.jwksUrl && !(URL.canParse(settings.jwksUrl) && /^https?:$/.test(new URL(settings.jwksUrl).protocol))) {
    problems.push(`AUTH_JWKS_URL must be an http:// or https:// URL, got "${settings.jwksUrl}"`);
  }
  if (settings.jwtSecret && settings.jwksUrl)
    problems.push('AUTH_JWT_SECRET and AUTH_JWKS_URL exclude each other: set one');
  const jwt = settings.jwtSecret || settings.jwksUrl;
  for (const name of ['AUTH_ISSUER', 'AUTH_AUDIENCE'] as const) {
    if (text(name) && !jwt) problems.push(`${name} applies to JWTs: set AUTH_JWT_SECRET or AUTH_JWKS_URL too`);
  }
  if (disabled && (jwt || settings.apiKeysFile)) {
    problems.push(
      'AUTH_DISABLED=true contradicts AUTH_JWT_SECRET, AUTH_JWKS_URL and AUTH_API_KEYS_FILE: drop one side',
    );
  }
  return settings;
}

function corsOrigins(raw: string | undefined, problems: string[]): string[] | undefined {
  const { origins, invalid } = parseOrigins(raw);
  for (const entry of invalid)
    problems.push(
      `CORS_ORIGINS must list origins like https://app.example.com (scheme, host, optional port; no path), got "${entry}"`,
    );
  // None listed: undefined, like the other optional settings (AppModule reads it as no origin allowed).
  return origins.length > 0 ? origins : undefined;
}
