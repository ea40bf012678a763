export interface AsyncQueueLimit {
  /** Values that may wait unread; one more ends the iteration with `overflow()`'s error (the waiting are dropped). */
  maxBuffered: number;
  overflow: () => Error;
}

/**
 * Turns pushed values into an async iterator (for GraphQL subscriptions). Values wait in order until read;
 * end() finishes the iteration after what is queued; fail() ends it with an error after what is queued;
 * `onClose` runs once, however iteration stops. With a limit, a reader that falls too far behind is ended with an
 * error instead of holding an ever-growing backlog.
 *
 * A reader working through a backlog gets one value per turn of the event loop (setImmediate): a graphql-ws
 * reader sends each value and its socket's write callback comes back within the same turn, so a batch of 30
 * updates to 200 subscribers ran as one 6,000-delivery turn (about a second) during which no worker could commit.
 */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  private readonly values: T[] = [];
  private readonly readers: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void }[] = [];
  private ended = false;
  private closed = false;
  private error: Error | undefined = undefined;

  constructor(
    private readonly onClose: () => void = () => undefined,
    private readonly limit?: AsyncQueueLimit,
  ) {}

  /** Whether the iteration is over or ending (nothing more will be taken). */
  get isEnded(): boolean {
    return this.ended;
  }

  push(value: T): void {
    if (this.ended) return;
    const reader = this.readers.shift();
    if (reader) return reader.resolve({ value, done: false });
    if (this.limit && this.values.length >= this.limit.maxBuffered) {
      this.values.length = 0;
      return this.fail(this.limit.overflow());
    }
    this.values.push(value);
  }

  end(): void {
    this.ended = true;
    if (this.values.length === 0) this.close();
  }

  /** Ends the iteration with `error` once the values already queued are read (the first failure wins). */
  fail(error: Error): void {
    if (this.ended) return;
    this.error = error;
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.values.length > 0) {
      const value = this.values.shift()!;
      if (this.ended && this.values.length === 0) this.close();
      return new Promise((resolve) => setImmediate(() => resolve({ value, done: false })));
    }
    if (this.error !== undefined) {
      const error = this.error;
      this.error = undefined;
      return Promise.reject(error);
    }
    if (this.closed || this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.values.length = 0;
    this.error = undefined;
    this.ended = true;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    const error = this.error;
    if (this.readers.length > 0) this.error = undefined;
    for (const reader of this.readers.splice(0)) {
      if (error !== undefined) reader.reject(error);
      else reader.resolve({ value: undefined, done: true });
    }
    this.onClose();
  }
}
