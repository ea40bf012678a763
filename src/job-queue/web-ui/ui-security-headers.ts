/** The Host header as a CSP source, or null when it is anything but a host name or address with an optional port. */
function hostSource(host: string | undefined): string | null {
  return host && /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i.test(host) ? host : null;
}

/**
 * Headers of every page and file of the built UIs. The Content-Security-Policy allows this origin only: the apps
 * bundle everything they run (no CDN, no web fonts), so a script or request to another host is an attack or a bug.
 * - connect-src: /graphql over HTTP and graphql-ws. CSP 3 lets 'self' match ws:/wss: of the same host, but browsers
 *   that predate it do not, so the socket's own origin is named as well.
 * - style-src 'unsafe-inline' for GraphiQL alone (`inlineStyles`): its editor (monaco) and React components write
 *   <style> elements and style attributes at run time; without it Chromium blocked 587 of them in one run of the
 *   GraphiQL browser test. Styles cannot run code; scripts stay 'self'. The dashboard needs none.
 * - No 'unsafe-eval': monaco, GraphiQL and the dashboard run without it (the browser tests fail on any CSP report).
 * - worker-src 'self': monaco's language workers are files of the build (Vite, worker format 'es'), none inline.
 */
export function uiSecurityHeaders(host: string | undefined, inlineStyles: boolean): Record<string, string> {
  const self = hostSource(host);
  const sockets = self ? ` ws://${self} wss://${self}` : '';
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self'${inlineStyles ? " 'unsafe-inline'" : ''}`,
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${sockets}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
  return {
    'Content-Security-Policy': policy,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  };
}
