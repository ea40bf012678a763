import {
  type ExecutionArgs,
  type ExecutionResult,
  getOperationAST,
  Kind,
  OperationTypeNode,
  print,
  subscribe as graphqlSubscribe,
} from 'graphql';
import { connectionCaller } from './connection-callers';
import { isWsConnection, type WsConnection } from './caller-context';
import { type FanoutSocket, nextPayload, SocketSubscriber, socketOf, WriteCoalescer } from './socket-fanout';

export type SubscribeResult = AsyncGenerator<ExecutionResult, void, void> | ExecutionResult;
export type SubscribeFunction = (args: ExecutionArgs) => SubscribeResult | Promise<SubscribeResult>;

export interface SharedSubscriptionsOptions {
  /** Root subscription fields whose stream depends only on the document, its variables and the caller. */
  fields: readonly string[];
  /** Results a subscriber may leave unread before it is ended with an error (the others go on). */
  maxUnread: number;
  /** The subscribe function to share (graphql-js's by default). */
  subscribe?: SubscribeFunction;
}

/**
 * A graphql-ws `subscribe` under which identical subscriptions (same document, variables and caller) share one
 * execution: each event is executed once and the one result handed to every subscriber, instead of once per
 * subscriber. With 200 dashboards on `jobUpdated`, executing per subscriber cost ~100 µs a delivery, 200 times per
 * event. The stream serializes each result once and writes it to every subscriber's socket itself, each socket's
 * updates of a few milliseconds in one write (see socket-fanout.ts). Only fields that replay no state of their own to a new subscriber may be shared (`jobProgress` starts each
 * subscriber with the job's current state, so it is not); the caller must be known per connection (resolved once
 * at connection_init, see authenticateConnections) and the transport graphql-ws/use/ws, else the subscription runs
 * alone.
 *
 *   subscriptions: { 'graphql-ws': { onConnect: authenticateConnections(rule), subscribe: shareSubscriptions({ fields: ['jobUpdated'], maxUnread }) } }
 */
export function shareSubscriptions(options: SharedSubscriptionsOptions): SubscribeFunction {
  const subscribe: SubscribeFunction = options.subscribe ?? graphqlSubscribe;
  const shareable = new Set(options.fields);
  const streams = new Map<string, Promise<SharedStream | ExecutionResult>>();
  return async (args) => {
    const sharing = sharingOf(args, shareable);
    if (sharing === null) return subscribe(args);
    const { key, connection, socket } = sharing;
    let stream = streams.get(key);
    if (!stream) {
      stream = Promise.resolve(subscribe(args)).then((result) =>
        isAsyncIterable(result) ? new SharedStream(result, options.maxUnread, () => streams.delete(key)) : result,
      );
      streams.set(key, stream);
      // A subscription refused at its start (bad arguments, no access) is not kept for others to join.
      void stream.then(
        (shared) => shared instanceof SharedStream || streams.delete(key),
        () => streams.delete(key),
      );
    }
    const shared = await stream;
    return shared instanceof SharedStream ? shared.attach(connection, socket) : shared;
  };
}

/**
 * The identity of what a subscription receives and where it is written, or null when it must run alone: not a
 * single shareable root field, caller unknown, or a transport other than graphql-ws/use/ws.
 */
function sharingOf(
  args: ExecutionArgs,
  shareable: Set<string>,
): { key: string; connection: WsConnection; socket: FanoutSocket } | null {
  const operation = getOperationAST(args.document, args.operationName);
  const selections = operation?.selectionSet.selections ?? [];
  if (operation?.operation !== OperationTypeNode.SUBSCRIPTION || selections.length !== 1) return null;
  const [root] = selections;
  if (root.kind !== Kind.FIELD || !shareable.has(root.name.value)) return null;
  const connection = (args.contextValue as { req?: unknown } | undefined)?.req;
  if (!isWsConnection(connection)) return null;
  const caller = connectionCaller(connection);
  const socket = socketOf(connection);
  if (!caller || !socket) return null;
  return {
    // The whole document, not the operation alone: printed, an operation leaves out the fragments it spreads, and
    // two clients whose fragments differed shared one execution, the second given the first's fields.
    key: JSON.stringify([
      print(args.document),
      args.operationName ?? null,
      args.variableValues ?? null,
      caller.userId,
      caller.isAdmin,
    ]),
    connection,
    socket,
  };
}

function isAsyncIterable(value: SubscribeResult): value is AsyncGenerator<ExecutionResult, void, void> {
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/**
 * How long updates gather before a subscriber's socket is written again (the first after a quiet spell goes at once).
 * Each write costs a syscall whatever its size: in the bench's burn-down (200 subscribers, ~2,500 updates/s) the
 * writes took 132 ms of the worker's CPU at 10 ms and 79 ms at 50 ms; a dashboard does not see 50 ms.
 */
const WRITE_INTERVAL_MS = 50;

/** One upstream execution, each result serialized once and written to every attached subscriber; closed when the last one leaves. */
class SharedStream {
  private readonly subscribers = new Set<SocketSubscriber>();
  private readonly coalescer = new WriteCoalescer(WRITE_INTERVAL_MS);
  private finished = false;

  constructor(
    private readonly source: AsyncGenerator<ExecutionResult, void, void>,
    private readonly maxUnread: number,
    private readonly onFinished: () => void,
  ) {
    void this.pump();
  }

  attach(connection: WsConnection, socket: FanoutSocket): AsyncGenerator<ExecutionResult, void, void> {
    const subscriber: SocketSubscriber = new SocketSubscriber(
      connection,
      socket,
      this.coalescer,
      {
        maxUnread: this.maxUnread,
        overflow: () =>
          new Error(
            `subscriber ended: it left more than ${this.maxUnread} updates unread, so that it holds back no other subscriber; read again and subscribe again`,
          ),
      },
      () => this.detach(subscriber),
    );
    if (this.finished) subscriber.end();
    else this.subscribers.add(subscriber);
    return subscriber as unknown as AsyncGenerator<ExecutionResult, void, void>;
  }

  private detach(subscriber: SocketSubscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.finish();
  }

  private async pump(): Promise<void> {
    try {
      for await (const result of this.source) {
        const payload = nextPayload(result);
        for (const subscriber of this.subscribers) subscriber.push(payload);
      }
      for (const subscriber of this.subscribers) subscriber.end();
    } catch (error) {
      for (const subscriber of this.subscribers)
        subscriber.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.finish();
    }
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onFinished();
    void this.source.return();
  }
}
