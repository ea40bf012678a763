import type { WebSocket } from 'ws';
import { GraphQLError } from 'graphql';
import type { Context as GraphQLWsContext } from 'graphql-ws';
import type { WsConnection } from '../job-queue';
import { connectionCaller } from '../job-queue/common/connection-callers';
import { PublicErrorCode } from '../job-queue/common/public-error';
import { callerKey } from './caller-key';

/** Caps of graphql-ws per caller (GRAPHQL_WS_MAX_*); 0 turns one off. */
export interface WsLimitSettings {
  /** Open connections of one caller (GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER). */
  maxConnectionsPerCaller: number;
  /** Operations in flight over all of one caller's connections, subscriptions above all (GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER). */
  maxSubscriptionsPerCaller: number;
}

/** A browser user with a few tabs open needs a handful of connections and a few subscriptions in each. */
export const DEFAULT_WS_LIMITS: WsLimitSettings = { maxConnectionsPerCaller: 20, maxSubscriptionsPerCaller: 100 };

/** The close code of a connection over the cap: 4xxx is the application's range, 429 as in HTTP's Too Many Requests. */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;

type AnyConnection = GraphQLWsContext<Record<string, unknown> | undefined, unknown>;
type OnConnect = (connection: AnyConnection) => boolean | Promise<boolean>;

/**
 * Counts each caller's open graphql-ws connections (onConnect / onClose) and, at each subscribe, the operations in
 * flight over all of them. graphql-ws keeps a connection's live operations in `subscriptions` (an id is added at
 * subscribe and removed however the operation ends), so the count is read there rather than kept in step by hand.
 * One instance per server: callers are keyed like the rate limits (user id, else client address).
 */
export class WsCallerLimits {
  private readonly open = new Map<string, Set<AnyConnection>>();
  private readonly keys = new WeakMap<AnyConnection, string>();

  constructor(private readonly settings: WsLimitSettings) {}

  /**
   * Wraps the onConnect that resolves the caller (`authenticate`): once it accepted a connection, one over the
   * caller's cap is closed with 4429 and a reason naming the setting (a plain `false` would read as 4403 Forbidden).
   */
  capConnections(authenticate: OnConnect): OnConnect {
    return async (connection) => {
      if (!(await authenticate(connection))) return false;
      const key = callerKey(connectionCaller(connection as WsConnection), connection);
      const peers = this.open.get(key) ?? new Set<AnyConnection>();
      const max = this.settings.maxConnectionsPerCaller;
      if (max > 0 && peers.size >= max) {
        // The close frame's reason is limited to 123 bytes. graphql-ws's own 4403 close that follows is a no-op.
        (connection.extra as { socket: WebSocket }).socket.close(
          TOO_MANY_CONNECTIONS_CLOSE_CODE,
          `Too many connections: ${max} (GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER)`,
        );
        return false;
      }
      peers.add(connection);
      this.open.set(key, peers);
      this.keys.set(connection, key);
      return true;
    };
  }

  /** graphql-ws `onClose`: called for every socket, counted or not. */
  readonly forget = (connection: AnyConnection): void => {
    const key = this.keys.get(connection);
    const peers = key === undefined ? undefined : this.open.get(key);
    if (!peers) return;
    peers.delete(connection);
    if (peers.size === 0) this.open.delete(key!);
  };

  /** For graphql-ws `onSubscribe`: the error refusing this subscribe (already in `subscriptions`) when over the cap. */
  subscriptionRefusal(connection: AnyConnection): GraphQLError | undefined {
    const max = this.settings.maxSubscriptionsPerCaller;
    const key = this.keys.get(connection);
    if (max <= 0 || key === undefined) return undefined;
    let live = 0;
    for (const peer of this.open.get(key) ?? []) live += Object.keys(peer.subscriptions).length;
    if (live <= max) return undefined;
    return new GraphQLError(
      `Too many subscriptions: at most ${max} at once per caller (GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER)`,
      {
        extensions: { code: PublicErrorCode.RATE_LIMITED, limit: 'GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER' },
      },
    );
  }
}
