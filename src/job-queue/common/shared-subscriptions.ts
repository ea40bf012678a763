import { type ExecutionArgs, type ExecutionResult, getOperationAST, Kind, print, subscribe as graphqlSubscribe } from 'graphql';
import { AsyncQueue } from './async-queue';
import { connectionCaller } from './connection-callers';
import { isWsConnection } from './caller-context';

type SubscribeResult = AsyncGenerator<ExecutionResult, void, void> | ExecutionResult;
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
 * event. Only fields that replay no state of their own to a new subscriber may be shared (`jobProgress` starts each
 * subscriber with the job's current state, so it is not); the caller must be known per connection (resolved once
 * at connection_init, see authenticateConnections), else the subscription runs alone.
 *
 *   subscriptions: { 'graphql-ws': { onConnect: authenticateConnections(rule), subscribe: shareSubscriptions({ fields: ['jobUpdated'], maxUnread }) } }
 */
export function shareSubscriptions(options: SharedSubscriptionsOptions): SubscribeFunction {
  const subscribe = options.subscribe ?? (graphqlSubscribe as SubscribeFunction);
  const shareable = new Set(options.fields);
  const streams = new Map<string, Promise<SharedStream | ExecutionResult>>();
  return async (args) => {
    const key = shareKey(args, shareable);
    if (key === null) return subscribe(args);
    let stream = streams.get(key);
    if (!stream) {
      stream = Promise.resolve(subscribe(args)).then((result) =>
        isAsyncIterable(result) ? new SharedStream(result, options.maxUnread, () => streams.delete(key)) : result,
      );
      streams.set(key, stream);
      // A subscription refused at its start (bad arguments, no access) is not kept for others to join.
      void stream.then((shared) => shared instanceof SharedStream || streams.delete(key), () => streams.delete(key));
    }
    const shared = await stream;
    return shared instanceof SharedStream ? shared.attach() : shared;
  };
}

/** The identity of what a subscription receives, or null when it must run alone. */
function shareKey(args: ExecutionArgs, shareable: Set<string>): string | null {
  const operation = getOperationAST(args.document, args.operationName);
  const selections = operation?.selectionSet.selections ?? [];
  if (operation?.operation !== 'subscription' || selections.length !== 1) return null;
  const [root] = selections;
  if (root.kind !== Kind.FIELD || !shareable.has(root.name.value)) return null;
  const connection = (args.contextValue as { req?: unknown } | undefined)?.req;
  const caller = isWsConnection(connection) ? connectionCaller(connection) : undefined;
  if (!caller) return null;
  return JSON.stringify([print(operation), args.variableValues ?? null, caller.userId, caller.isAdmin]);
}

function isAsyncIterable(value: SubscribeResult): value is AsyncGenerator<ExecutionResult, void, void> {
  return typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** One upstream execution, its results handed to every attached subscriber; closed when the last one leaves. */
class SharedStream {
  private readonly subscribers = new Set<AsyncQueue<ExecutionResult>>();
  private finished = false;

  constructor(
    private readonly source: AsyncGenerator<ExecutionResult, void, void>,
    private readonly maxUnread: number,
    private readonly onFinished: () => void,
  ) {
    void this.pump();
  }

  attach(): AsyncGenerator<ExecutionResult, void, void> {
    const queue: AsyncQueue<ExecutionResult> = new AsyncQueue<ExecutionResult>(() => this.detach(queue), {
      maxBuffered: this.maxUnread,
      overflow: () =>
        new Error(
          `subscriber ended: it left more than ${this.maxUnread} updates unread, so that it holds back no other subscriber; read again and subscribe again`,
        ),
    });
    if (this.finished) queue.end();
    else this.subscribers.add(queue);
    return queue as unknown as AsyncGenerator<ExecutionResult, void, void>;
  }

  private detach(queue: AsyncQueue<ExecutionResult>): void {
    this.subscribers.delete(queue);
    if (this.subscribers.size === 0) this.finish();
  }

  private async pump(): Promise<void> {
    try {
      for await (const result of this.source) {
        for (const subscriber of this.subscribers) subscriber.push(result);
      }
      for (const subscriber of this.subscribers) subscriber.end();
    } catch (error) {
      for (const subscriber of this.subscribers) subscriber.fail(error instanceof Error ? error : new Error(String(error)));
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
