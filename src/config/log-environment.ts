import { LOG_FORMATS, LOG_LEVELS, type LogSettings } from '../observability/logging';

type Env = Record<string, string | undefined>;

/** LOG_FORMAT (json in production, pretty otherwise) and LOG_LEVEL (info); each problem, naming its variable, goes to `problems`. */
export function logSettingsFromEnvironment(env: Env, problems: string[]): LogSettings {
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')}, got "${env[name]}"`);
    return fallback;
  };
  return {
    format: oneOf('LOG_FORMAT', LOG_FORMATS, env.NODE_ENV === 'production' ? 'json' : 'pretty'),
    level: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}
