import type { JobRecord } from '../../src/job-queue/common/job-record';
import { JobStatus } from '../../src/job-queue/common/job.enums';
import type { Completion, QueueStore } from '../../src/job-queue/database/queue-store';
import type { JobEventsPublisher } from '../../src/job-queue/events/job-events.publisher';
import { type JobSettled, LocalJobEvents } from '../../src/job-queue/events/local-job-events';
import { CompletionBatcher } from '../../src/job-queue/workers/completion-batcher';
import { Lease } from '../../src/job-queue/workers/lease';

interface StatementCall {
  workerId: string;
  jobIds: string[];
  completions: Completion[];
  /** Ends the statement: committed ids, or an error. */
  answer: (committed: Set<string> | Error) => void;
}

/**
 * The only part of the queue store the batcher uses, driven by the test: each completeMany waits for the test's
 * answer. `called(n)` resolves once n statements have been issued (the signal the test waits on).
 */
function fakeStore() {
  const calls: StatementCall[] = [];
  const store = {
    completeMany: (workerId: string, completions: Completion[]) =>
      new Promise<Set<string>>((resolve, reject) => {
        calls.push({
          workerId,
          jobIds: completions.map((completion) => completion.jobId),
          completions,
          answer: (committed) => (committed instanceof Error ? reject(committed) : resolve(committed)),
        });
      }),
  };
  /** Lets the event loop turn until `count` statements were issued; fails after 100 turns without them. */
  const called = async (count: number) => {
    for (let turns = 0; calls.length < count; turns++) {
      if (turns > 100)
        throw new Error(
          `expected ${count} statements, got ${calls.length}: ${JSON.stringify(calls.map((call) => call.jobIds))}`,
        );
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  return { store: store as unknown as QueueStore, calls, called };
}

const job = (id: string): JobRecord => ({ id, fileSize: 1234n }) as unknown as JobRecord;
const holdingLease = () => new Lease(Date.now() + 60_000);

/** Tracks a completion's promise without waiting for it. */
function tracked(promise: Promise<true | null>) {
  const state: { result?: true | null; error?: Error } = {};
  promise.then(
    (result) => (state.result = result),
    (error: Error) => (state.error = error),
  );
  return state;
}

const flushPromises = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

function setUp() {
  const { store, calls, called } = fakeStore();
  const published: { id: string; status: string }[][] = [];
  const events = {
    jobsChanged: (jobs: { id: string; status: string }[], status?: string) => {
      published.push(jobs.map((job) => ({ id: job.id, status: status ?? job.status })));
      return Promise.resolve();
    },
  };
  const local = new LocalJobEvents();
  const settled: JobSettled[] = [];
  local.onSettled((event) => settled.push(event));
  const batcher = new CompletionBatcher(store, events as unknown as JobEventsPublisher, local);
  return { batcher, calls, called, published, settled };
}

describe('CompletionBatcher', () => {
  it('commits the completions of one turn in one statement per worker id, and reports each only once committed', async () => {
    const { batcher, calls, called, published, settled } = setUp();
    const a1 = tracked(
      batcher.complete(
        job('a1'),
        'worker-a',
        { extractedText: 'text', metadata: { pages: 2 }, result: { ok: true } },
        holdingLease(),
      ),
    );
    const a2 = tracked(batcher.complete(job('a2'), 'worker-a', {}, holdingLease()));
    const b1 = tracked(batcher.complete(job('b1'), 'worker-b', {}, holdingLease()));
    await called(2);
    expect(calls.map(({ workerId, jobIds }) => [workerId, jobIds])).toEqual([
      ['worker-a', ['a1', 'a2']],
      ['worker-b', ['b1']],
    ]);
    expect(calls[0].completions).toEqual([
      { jobId: 'a1', extractedText: 'text', metadata: '{"pages":2}', result: '{"ok":true}', bytesProcessed: 1234n },
      { jobId: 'a2', extractedText: null, metadata: null, result: null, bytesProcessed: 1234n },
    ]);

    await flushPromises();
    expect([a1, a2, b1]).toEqual([{}, {}, {}]); // control: nothing reported before the commit
    expect(settled).toEqual([]);

    calls[0].answer(new Set(['a1'])); // a2's worker no longer held it
    calls[1].answer(new Set(['b1']));
    await flushPromises();
    expect([a1, a2, b1]).toEqual([{ result: true }, { result: null }, { result: true }]);
    expect(settled.map((event) => [event.job.id, event.outcome])).toEqual([
      ['a1', JobStatus.COMPLETED],
      ['b1', JobStatus.COMPLETED],
    ]);
    expect(published).toEqual([
      [{ id: 'a1', status: JobStatus.COMPLETED }],
      [{ id: 'b1', status: JobStatus.COMPLETED }],
    ]);
  });

  it('commits at most 500 completions per statement; the rest go in the next one', async () => {
    const { batcher, calls, called } = setUp();
    const ids = Array.from({ length: 501 }, (_, index) => `j${index}`);
    const results = ids.map((id) => batcher.complete(job(id), 'worker', {}, holdingLease()));
    await called(2);
    expect(calls.map((call) => call.jobIds.length)).toEqual([500, 1]);
    expect(calls.flatMap((call) => call.jobIds)).toEqual(ids);
    for (const call of calls) call.answer(new Set(call.jobIds));
    expect(new Set(await Promise.all(results))).toEqual(new Set([true]));
  });

  it('tries a batch that fails for another reason job by job: only the bad completion fails', async () => {
    const { batcher, calls, called } = setUp();
    const good1 = batcher.complete(job('good1'), 'worker', {}, holdingLease());
    const bad = batcher.complete(job('bad'), 'worker', {}, holdingLease());
    const good2 = batcher.complete(job('good2'), 'worker', {}, holdingLease());
    await called(1);
    calls[0].answer(new Error('value too long for column'));
    await called(4);
    expect(calls.map((call) => call.jobIds)).toEqual([['good1', 'bad', 'good2'], ['good1'], ['bad'], ['good2']]);
    calls[1].answer(new Set(['good1']));
    calls[2].answer(new Error('value too long for column'));
    calls[3].answer(new Set(['good2']));
    await expect(bad).rejects.toThrow('value too long for column');
    expect(await Promise.all([good1, good2])).toEqual([true, true]);
  });

  describe('while the database cannot be reached', () => {
    // The batch's own setImmediate stays real: fake timers would run it a millisecond late when queued by a timer.
    beforeEach(() => jest.useFakeTimers({ now: 1_000_000, doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

    /** Moves the clock on, then lets a batch queued by what ran (on setImmediate) start. */
    const advance = async (ms: number) => {
      await jest.advanceTimersByTimeAsync(ms);
      await new Promise<void>((resolve) => setImmediate(resolve));
    };

    /** The signal that a retry is scheduled: its timer exists (microtasks run until it does). */
    const retryScheduled = async () => {
      for (let turns = 0; jest.getTimerCount() === 0; turns++) {
        if (turns > 1_000) throw new Error('no retry was scheduled');
        await Promise.resolve();
      }
    };

    it('commits again after 100 ms, then 200 ms, for as long as the lease holds; a job whose lease runs out first fails', async () => {
      const { batcher, calls } = setUp();
      const heldResult = batcher.complete(job('held'), 'worker', {}, new Lease(Date.now() + 60_000));
      const held = tracked(heldResult);
      const expiring = batcher.complete(job('expiring'), 'worker', {}, new Lease(Date.now() + 50));
      await advance(0);
      expect(calls.map((call) => call.jobIds)).toEqual([['held', 'expiring']]);
      calls[0].answer(unreachable());
      await expect(expiring).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:5432'); // its lease ends before the retry
      await retryScheduled();
      await advance(99);
      expect(calls).toHaveLength(1); // control: not before the backoff
      await advance(1);
      expect(calls.map((call) => call.jobIds)).toEqual([['held', 'expiring'], ['held']]);
      calls[1].answer(unreachable());
      await retryScheduled();

      await advance(199);
      expect(calls).toHaveLength(2);
      await advance(1);
      expect(calls).toHaveLength(3);
      expect(held).toEqual({}); // control: not reported while uncommitted
      calls[2].answer(new Set(['held']));
      expect(await heldResult).toBe(true);
    });
  });
});
