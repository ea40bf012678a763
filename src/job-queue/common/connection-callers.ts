import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Context as GraphQLWsContext } from 'graphql-ws';
import type { Caller } from './caller';
import { isWsConnection, type ResolveCaller, type WsConnection, wsCallerContext } from './caller-context';
import { AccessException } from './access.exception';

/** The caller of each open graphql-ws connection, resolved once; gone with the connection. */
const connectionCallers = new WeakMap<WsConnection, Caller>();

export function connectionCaller(connection: WsConnection): Caller | undefined {
  return connectionCallers.get(connection);
}

export function rememberConnectionCaller(connection: WsConnection, caller: Caller): void {
  connectionCallers.set(connection, caller);
}

const logger = new Logger('JobQueueCallers');

/**
 * A graphql-ws `onConnect`: resolves the caller once, at connection_init, and keeps it for every subscription of the
 * connection. Refused credentials answer false, which graphql-ws turns into a 4403 Forbidden close.
 *
 *   subscriptions: { 'graphql-ws': { onConnect: authenticateConnections(resolveCaller) } }
 */
export function authenticateConnections(
  resolveCaller: ResolveCaller,
): (connection: GraphQLWsContext<Record<string, unknown> | undefined, unknown>) => Promise<boolean> {
  return async (connection) => {
    if (!isWsConnection(connection)) {
      logger.warn(
        'authenticateConnections needs the ws transport of graphql-ws (its extra.request): connection refused',
      );
      return false;
    }
    try {
      rememberConnectionCaller(connection, await resolveCaller(wsCallerContext(connection)));
      return true;
    } catch (error) {
      if (!isRefusal(error)) {
        // Still a refusal: graphql-ws would otherwise close with 4500 and the error's message as the reason.
        logger.warn(
          `resolveCaller failed at connection_init: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return false;
    }
  };
}

/** An access refusal: ours, or a Nest 401/403 thrown by a host's own rule. */
export function isRefusal(error: unknown): boolean {
  if (error instanceof AccessException) return true;
  return error instanceof HttpException && [HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN].includes(error.getStatus());
}
