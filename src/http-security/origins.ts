import type { Context as GraphQLWsContext } from 'graphql-ws';

/**
 * CORS_ORIGINS: a comma list of origins (scheme://host[:port], no path), none by default. Returns the origins in
 * their canonical form (as a browser sends them in `Origin`) and the entries that are not origins.
 */
export function parseOrigins(raw: string | undefined): { origins: string[]; invalid: string[] } {
  const origins: string[] = [];
  const invalid: string[] = [];
  for (const entry of (raw ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const url = URL.canParse(entry) ? new URL(entry) : null;
    // An origin has no path, query, fragment or credentials: "https://app.example.com/" is a URL, not an origin.
    const isOrigin =
      url && /^https?:$/.test(url.protocol) && url.origin === entry.replace(/\/$/, '') && !entry.endsWith('/');
    if (isOrigin) origins.push(url.origin);
    else invalid.push(entry);
  }
  return { origins, invalid };
}

/**
 * Whether a request may go on: one without `Origin` (curl, servers: no browser sent it on a user's behalf) always
 * may; a browser's only from a listed origin or from this server's own (its host is the `Host` the browser connected
 * to: the landing page's Sandbox subscribes from there). `Origin: null` (sandboxed frames, file://) is refused.
 */
export function originAllowed(
  allowed: readonly string[],
  origin: string | string[] | undefined,
  host?: string,
): boolean {
  if (origin === undefined) return true;
  if (typeof origin !== 'string') return false;
  return allowed.includes(origin) || (host !== undefined && URL.canParse(origin) && new URL(origin).host === host);
}

type OnConnect = (
  context: GraphQLWsContext<Record<string, unknown> | undefined, unknown>,
) => boolean | Promise<boolean>;

/**
 * A graphql-ws `onConnect` that refuses connections whose upgrade request came from an origin outside `allowed`
 * (cross-site WebSocket hijacking: browsers send cookies and no preflight on an upgrade), then runs `next` (the
 * caller check). Refused ones answer false, which graphql-ws closes with 4403 Forbidden at connection_init.
 */
export function refuseForeignOrigins(allowed: readonly string[], next: OnConnect): OnConnect {
  return (context) => {
    const headers = (
      context.extra as { request?: { headers?: Record<string, string | string[] | undefined> } } | undefined
    )?.request?.headers;
    if (!originAllowed(allowed, headers?.origin, typeof headers?.host === 'string' ? headers.host : undefined))
      return false;
    return next(context);
  };
}
