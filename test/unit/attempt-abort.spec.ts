import { AttemptAbort, JobAbort } from '../../src/job-queue/workers/attempt-abort';
import { countAbortControllers } from '../support/counted-abort-controllers';

describe('AttemptAbort (a running attempt’s abort, its AbortSignal made only when asked for)', () => {
  let controllers: ReturnType<typeof countAbortControllers>;
  beforeEach(() => {
    controllers = countAbortControllers();
  });
  afterEach(() => controllers.restore());

  it('makes no AbortController for an attempt that runs, listens and ends without anyone reading its signal', () => {
    const abort = new AttemptAbort();
    const removeListener = abort.onAbort(() => undefined);
    abort.throwIfAborted();
    removeListener();
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

  it('calls each listener once with the first reason, not a removed one, and not listeners added after the abort', () => {
    const abort = new AttemptAbort();
    const heard: string[] = [];
    abort.onAbort((reason) => heard.push(`kept: ${reason.message}`));
    const remove = abort.onAbort(() => heard.push('removed'));
    remove();
    remove(); // a second removal changes nothing
    abort.abort(new JobAbort('lost', 'first'));
    abort.abort(new JobAbort('cancelled', 'second'));
    abort.onAbort(() => heard.push('late'));
    expect(heard).toEqual(['kept: first']);
    expect(abort.reason?.message).toBe('first');
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
