import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import type { Context as GraphQLWsContext } from 'graphql-ws';
import type { Caller } from './caller';

/**
 * What `resolveCaller` is given to say who is asking: for HTTP (GraphQL queries and mutations, POST /files) the
 * express request; for graphql-ws the connection's `connectionParams` (the connection_init payload) and the upgrade
 * request. The transport tells them apart, so a rule can read headers without guessing which one it got.
 */
export type CallerContext =
  | { transport: 'http'; request: Request }
  | { transport: 'ws'; connectionParams: Readonly<Record<string, unknown>> | undefined; request: IncomingMessage };

/** The host's rule. May be async (a JWKS lookup is); throw {@link AccessException} for missing or bad credentials. */
export type ResolveCaller = (context: CallerContext) => Caller | Promise<Caller>;

/** A graphql-ws connection as the `ws` transport serves it (its `extra` carries the upgrade request). */
export type WsConnection = GraphQLWsContext<Record<string, unknown> | undefined, { request: IncomingMessage }>;

/** graphql-ws's per-connection context: the one object handed to onConnect and, as `req`, to the resolvers. */
export function isWsConnection(value: unknown): value is WsConnection {
  return (
    typeof value === 'object' &&
    value !== null &&
    'connectionInitReceived' in value &&
    typeof (value as { extra?: { request?: unknown } }).extra?.request === 'object'
  );
}

export function wsCallerContext(connection: WsConnection): CallerContext {
  return {
    transport: 'ws',
    connectionParams: connection.connectionParams ?? undefined,
    request: connection.extra.request,
  };
}
