import { AttemptAbort, JobAbort } from '../../src/job-queue/workers/attempt-abort';
import { countAbortControllers } from '../support/counted-abort-controllers';

describe('AttemptAbort (a running attempt’s abort, its AbortSignal made only when asked for)', () => {
  let controllers: ReturnType<typeof countAbortControllers>;
  beforeEach(() => {
    controllers = countAbortControllers();
  });
  afterEach(() => controllers.restore());

  it('makes no AbortController for an attempt that runs, races its work and ends without anyone reading its signal', async () => {
    const abort = new AttemptAbort();
    await expect(abort.race(Promise.resolve('done'))).resolves.toBe('done');
    abort.throwIfAborted();
    abort.ended();
    abort.abort(new JobAbort('cancelled', 'Cancelled while running'));
    expect(abort.reason?.kind).toBe('cancelled');
    expect(controllers.made()).toBe(0);
    // The control: reading the signal makes one, once.
    void abort.signal;
    void abort.signal;
    expect(controllers.made()).toBe(1);
  });

  it('hands a signal read after the abort already aborted, with the reason', () => {
    const abort = new AttemptAbort();
    const reason = new JobAbort('timeout', 'Attempt exceeded its timeout of 5 ms');
    abort.abort(reason);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
    expect(() => abort.signal.throwIfAborted()).toThrow(reason);
  });

  it('aborts a signal read before the abort, calling its listeners with the reason', () => {
    const abort = new AttemptAbort();
    const signal = abort.signal;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    expect(signal.aborted).toBe(false);
    const reason = new JobAbort('shutdown', 'The instance is shutting down');
    abort.abort(reason);
    expect(heard).toEqual([reason]);
  });

  it('race: the work’s result or error when it settles first, else the first abort’s reason (a late result is dropped)', async () => {
    const abort = new AttemptAbort();
    await expect(abort.race(Promise.resolve(1))).resolves.toBe(1);
    await expect(abort.race(Promise.reject(new Error('unreadable')))).rejects.toThrow('unreadable');
    let finish: (value: string) => void = () => undefined;
    const racing = abort.race(new Promise<string>((resolve) => (finish = resolve)));
    abort.abort(new JobAbort('lost', 'first'));
    abort.abort(new JobAbort('cancelled', 'second'));
    finish('late');
    await expect(racing).rejects.toMatchObject({ kind: 'lost', message: 'first' });
    // Work raced after the abort is not waited for.
    await expect(abort.race(new Promise<never>(() => undefined))).rejects.toMatchObject({ kind: 'lost' });
    expect(abort.reason?.message).toBe('first');
  });

  it('race after the abort leaves no rejection of the work unhandled (a late failure is dropped like a late result)', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const abort = new AttemptAbort();
      abort.abort(new JobAbort('timeout', 'Attempt exceeded its timeout of 5 ms'));
      await expect(abort.race(Promise.reject(new Error('late failure')))).rejects.toMatchObject({ kind: 'timeout' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('ended: an attempt that is over lists no race any more, so a later abort settles none of them', async () => {
    const stateAfterAbort = async (endFirst: boolean) => {
      const abort = new AttemptAbort();
      let state = 'pending';
      abort.race(new Promise<never>(() => undefined)).then(
        () => (state = 'resolved'),
        () => (state = 'rejected'),
      );
      if (endFirst) abort.ended();
      abort.abort(new JobAbort('shutdown', 'The instance is shutting down'));
      await new Promise((resolve) => setImmediate(resolve));
      return state;
    };
    expect(await stateAfterAbort(true)).toBe('pending');
    expect(await stateAfterAbort(false)).toBe('rejected'); // the control: listed until then
  });

  it('throws the reason once aborted, and only then', () => {
    const abort = new AttemptAbort();
    expect(() => abort.throwIfAborted()).not.toThrow();
    expect(abort.reason).toBeNull();
    const reason = new JobAbort('cancelled', 'Cancelled while running');
    abort.abort(reason);
    expect(() => abort.throwIfAborted()).toThrow(reason);
  });
});
