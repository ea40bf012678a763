import type { ExecutionResult } from 'graphql';
import type { WsConnection } from './caller-context';
import { type FrameSink, framedSize, MAX_BATCH_BYTES, writeBatch } from './websocket-frames';

/** The part of a `ws` WebSocket (graphql-ws/use/ws puts it in `extra.socket`) that the fan-out writes with. */
export interface FanoutSocket {
  readonly readyState: number;
  readonly OPEN: number;
  /** ws's net.Socket, which its own sender writes each frame to whole and at once (no compression is negotiated here). */
  readonly _socket: FrameSink;
}

/** The socket of a graphql-ws connection served by graphql-ws/use/ws, or null for any other transport. */
export function socketOf(connection: WsConnection): FanoutSocket | null {
  const socket = (connection.extra as { socket?: Partial<FanoutSocket> & { extensions?: string } }).socket;
  const usable =
    typeof socket?.readyState === 'number' &&
    typeof socket._socket?.write === 'function' &&
    // A compressed connection's frames queue in ws's sender while they deflate; only others may be written beside it.
    socket.extensions === '';
  return usable ? (socket as FanoutSocket) : null;
}

/** A result as the end of a graphql-ws `next` message: its payload (errors as their JSON, after the rest) and the closing brace. */
export function nextPayload(result: ExecutionResult): Buffer {
  const { errors, ...rest } = result;
  return Buffer.from(JSON.stringify(errors ? { ...rest, errors: errors.map((error) => error.toJSON()) } : rest) + '}');
}

/**
 * Writes at most once per `intervalMs` to each socket: what arrived meanwhile leaves in one write. The first
 * write after a quiet spell goes at the next turn, so a lone update is not held back.
 */
export class WriteCoalescer {
  private readonly due = new Set<SocketSubscriber>();
  private scheduled = false;
  private lastRun = 0;

  constructor(private readonly intervalMs: number) {}

  schedule(subscriber: SocketSubscriber): void {
    this.due.add(subscriber);
    if (this.scheduled) return;
    this.scheduled = true;
    const wait = this.lastRun + this.intervalMs - performance.now();
    if (wait > 0) setTimeout(() => this.run(), wait);
    else setImmediate(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    this.lastRun = performance.now();
    const due = [...this.due];
    this.due.clear();
    for (const subscriber of due) subscriber.write();
  }
}

export interface SocketSubscriberLimit {
  /** Updates that may wait unwritten behind a write the socket has not taken yet; one more ends the subscriber. */
  maxUnread: number;
  overflow: () => Error;
}

/**
 * One graphql-ws subscription whose `next` messages the shared stream writes to its socket itself: each result
 * serialized once for all subscribers (only the id differs), a socket's messages of a few milliseconds framed into
 * one buffer and written at once. Through graphql-ws each message was a write of its own, a JSON.stringify and a few
 * promise turns: 200 subscribers × 5,000 updates were 1,000,000 `writev` calls, ~9 of ~22 s of the worker process's
 * CPU in a profile of the bench. The frames go to ws's net.Socket directly, whole, as ws's own sender writes
 * them, so they interleave with graphql-ws's messages only between frames.
 *
 * To graphql-ws it is an async generator that yields nothing and ends when the stream does (graphql-ws then sends
 * `complete`, or `error` with the stream's error), after every update before it was written, in order. A write not
 * yet taken by the socket holds the next ones back; more than `maxUnread` waiting ends the subscriber with an error
 * (dropping them), as a slow reader through graphql-ws was. graphql-ws's `onNext` hook and message replacer are
 * not applied to these messages.
 */
export class SocketSubscriber implements AsyncIterableIterator<never, void> {
  private waiting: Buffer[] = [];
  private head: Buffer | null = null;
  private writing = false;
  /** The last write left messages waiting (it was a full batch). */
  private full = false;
  private outcome: { error?: Error } | null = null;
  private closed = false;
  private settle: { resolve: (result: IteratorResult<never, void>) => void; reject: (error: Error) => void } | null =
    null;

  constructor(
    private readonly connection: WsConnection,
    private readonly socket: FanoutSocket,
    private readonly coalescer: WriteCoalescer,
    private readonly limit: SocketSubscriberLimit,
    private readonly onClose: () => void,
  ) {}

  push(payload: Buffer): void {
    if (this.closed || this.outcome) return;
    // Unread: held back by a write the socket has not taken, or by graphql-ws not reading yet (not by the gathering).
    if (this.waiting.length >= this.limit.maxUnread && (this.writing || this.head === null)) {
      this.waiting = [];
      return this.fail(this.limit.overflow());
    }
    this.waiting.push(payload);
    if (!this.writing && this.head !== null) this.coalescer.schedule(this);
  }

  end(): void {
    this.finish({});
  }

  fail(error: Error): void {
    this.finish({ error });
  }

  /** Writes what waits, up to one batch, unless a write is still out (its callback schedules the next). */
  write(all = false): void {
    if (this.closed || this.writing || this.head === null || this.waiting.length === 0) return;
    if (this.socket.readyState !== this.socket.OPEN) {
      this.waiting = []; // As graphql-ws does: nothing is sent on a closing socket; it returns this generator.
      return;
    }
    const head = this.head;
    let count = 0;
    let bytes = 0;
    while (count < this.waiting.length) {
      const size = framedSize(head.length + this.waiting[count].length);
      if (!all && count > 0 && bytes + size > MAX_BATCH_BYTES) break;
      bytes += size;
      count++;
    }
    this.full = count < this.waiting.length;
    this.writing = true;
    writeBatch(this.socket._socket, head, this.waiting.splice(0, count), bytes, () => this.written());
  }

  /** graphql-ws calls it once and awaits it for as long as the subscription lives. */
  next(): Promise<IteratorResult<never, void>> {
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    if (this.head === null) {
      // graphql-ws keeps the generator under the subscription's id before it starts reading it.
      const id = Object.keys(this.connection.subscriptions).find((key) => this.connection.subscriptions[key] === this);
      if (id === undefined)
        return this.close(new Error('shared subscription: graphql-ws did not register it under an id'));
      this.head = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);
    }
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      if (this.outcome) this.finish(this.outcome);
      else this.coalescer.schedule(this);
    });
  }

  return(): Promise<IteratorResult<never, void>> {
    return this.close();
  }

  throw(error: unknown): Promise<IteratorResult<never, void>> {
    void this.close();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never, void> {
    return this;
  }

  /** The socket took the last write: a backlog goes on at once, what gathers behind a partial batch at the next run. */
  private written(): void {
    this.writing = false;
    if (this.full) this.write();
    else if (this.waiting.length > 0) this.coalescer.schedule(this);
  }

  /** Once graphql-ws reads: writes everything still waiting (in order, before graphql-ws's own last message), then ends. */
  private finish(outcome: { error?: Error }): void {
    if (this.closed) return;
    this.outcome = outcome;
    if (!this.settle) return;
    this.writing = false;
    this.write(true);
    void this.close(outcome.error);
  }

  private close(error?: Error): Promise<IteratorResult<never, void>> {
    const settle = this.settle;
    this.settle = null;
    this.waiting = [];
    if (!this.closed) {
      this.closed = true;
      this.onClose();
    }
    if (error) settle?.reject(error);
    else settle?.resolve({ value: undefined, done: true });
    return error && !settle ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
  }
}
