import type { IncomingMessage } from 'node:http';
import type { Caller } from '../job-queue';

/**
 * Whose budget a request counts against: a signed-in caller's user id, else the network address that sent it (an
 * express request's `ip`, or a graphql-ws connection's upgrade socket). Behind a proxy that address is the proxy's
 * (express's `trust proxy` is not set), so there the anonymous share one budget.
 */
export function callerKey(caller: Caller | undefined, carrier: unknown): string {
  if (caller?.userId != null) return `user:${caller.userId}`;
  const request = carrier as { ip?: string; extra?: { request?: IncomingMessage } } | undefined;
  return `address:${request?.ip ?? request?.extra?.request?.socket?.remoteAddress ?? 'unknown'}`;
}
