import type { JobRecord } from '../../src/job-queue/common/job-record';
import { JobStatus } from '../../src/job-queue/common/job.enums';
import type { QueueStore, SettledStatus, Settlement } from '../../src/job-queue/database/queue-store';
import { ProcessingError, RecoverableError } from '../../src/job-queue/retry/processing-error';
import { JobEventsPublisher } from '../../src/job-queue/events/job-events.publisher';
import { LocalJobEvents } from '../../src/job-queue/events/local-job-events';
import { JobOutcomesRepository } from '../../src/job-queue/workers/job-outcomes.repository';
import { Lease } from '../../src/job-queue/workers/lease';

/**
 * JobOutcomesRepository's batching over QueueStore.settleMany (the statement itself is the conformance suite's; the
 * batcher's retry and split rules are completion-batcher.spec's, the same OutcomeBatcher). Each settleMany waits
 * for the test's answer.
 */
function setUp() {
  const calls: {
    settlements: Settlement[];
    onlyExpiredLeases?: boolean;
    answer: (statuses: [string, SettledStatus][]) => void;
  }[] = [];
  const store = {
    settleMany: (settlements: Settlement[], onlyExpiredLeases?: boolean) =>
      new Promise<Map<string, SettledStatus>>((resolve) =>
        calls.push({ settlements, onlyExpiredLeases, answer: (statuses) => resolve(new Map(statuses)) }),
      ),
  } as unknown as QueueStore;
  const called = async (count: number) => {
    for (let turns = 0; calls.length < count; turns++) {
      if (turns > 100) throw new Error(`expected ${count} statements, got ${calls.length}`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };
  const published: [string, string][][] = [];
  let wakeups = 0;
  const events = {
    jobsChanged: (jobs: JobRecord[]) => {
      published.push(jobs.map(({ id, status }) => [id, status]));
      return Promise.resolve();
    },
    wakeWorkers: () => {
      wakeups++;
      return Promise.resolve();
    },
    // The publisher's own: which settled jobs wake the workers is part of what is checked here.
    jobsSettled(jobs: JobRecord[]) {
      return JobEventsPublisher.prototype.jobsSettled.call(this as unknown as JobEventsPublisher, jobs);
    },
  } as unknown as JobEventsPublisher;
  const local = new LocalJobEvents();
  const settled: [string, string][] = [];
  local.onSettled((event) => settled.push([event.job.id, event.outcome]));
  const outcomes = new JobOutcomesRepository(store, events, local);
  return { outcomes, calls, called, published, settled, wakeups: () => wakeups };
}

const job = (id: string, fields: Partial<JobRecord> = {}) => ({ id, ...fields }) as JobRecord;
const lease = () => new Lease(Date.now() + 60_000);
const IO_ERROR = new RecoverableError('IO_ERROR', 'disk hiccup');

describe('JobOutcomesRepository batching', () => {
  it("commits the failures and cancels of one turn in one settleMany, and answers each with its job's status", async () => {
    const { outcomes, calls, called, published, settled, wakeups } = setUp();
    const retried = outcomes.fail(job('a'), 'worker', IO_ERROR, 1000, lease());
    const failed = outcomes.fail(job('b'), 'worker', IO_ERROR, null, lease());
    const cancelError = new ProcessingError('CANCELLED', 'Cancelled by the user', false);
    const cancelled = outcomes.cancelled(job('c'), 'worker', cancelError, lease());
    const lost = outcomes.fail(job('d'), 'worker', IO_ERROR, null, lease());
    await called(1);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(calls).toHaveLength(1); // control: one statement, not one per outcome
    expect(calls[0].settlements).toEqual([
      { jobId: 'a', workerId: 'worker', outcome: 'RETRYING', error: IO_ERROR, retryDelayMs: 1000 },
      { jobId: 'b', workerId: 'worker', outcome: 'FAILED', error: IO_ERROR, retryDelayMs: null },
      { jobId: 'c', workerId: 'worker', outcome: 'CANCELLED', error: cancelError, retryDelayMs: null },
      { jobId: 'd', workerId: 'worker', outcome: 'FAILED', error: IO_ERROR, retryDelayMs: null },
    ]);
    expect(calls[0].onlyExpiredLeases).toBeUndefined();
    expect([published, settled, wakeups()]).toEqual([[], [], 0]); // control: nothing reported before the commit
    // b's cancel was requested meanwhile; d was no longer held.
    calls[0].answer([
      ['a', 'RETRYING'],
      ['b', 'CANCELLED'],
      ['c', 'CANCELLED'],
    ]);
    expect(await Promise.all([retried, failed, cancelled, lost])).toEqual([
      JobStatus.RETRYING,
      JobStatus.CANCELLED,
      true,
      null,
    ]);
    // Reported once for the batch, before the callers hear: one message, one wake-up for the retry.
    const reported: [string, string][] = [
      ['a', JobStatus.RETRYING],
      ['b', JobStatus.CANCELLED],
      ['c', JobStatus.CANCELLED],
    ];
    expect([published, settled, wakeups()]).toEqual([[reported], reported, 1]);
  });

  it("releases all of a worker's jobs in one statement, returning those settled with their status", async () => {
    const { outcomes, calls, called } = setUp();
    const released = outcomes.release('worker', [job('a'), job('b'), job('c')]);
    await called(1);
    expect(calls[0].settlements.map(({ jobId, outcome, error }) => [jobId, outcome, error])).toEqual([
      ['a', 'INTERRUPTED', null],
      ['b', 'INTERRUPTED', null],
      ['c', 'INTERRUPTED', null],
    ]);
    calls[0].answer([
      ['a', 'PENDING'],
      ['c', 'CANCELLED'],
    ]);
    expect((await released).map(({ id, status }) => [id, status])).toEqual([
      ['a', JobStatus.PENDING],
      ['c', JobStatus.CANCELLED],
    ]);
  });

  it('recovers stalled jobs of several workers in one statement, each under the lease it lost, still expired', async () => {
    const { outcomes, calls, called } = setUp();
    const recovered = outcomes.recoverStalled([
      { job: job('a', { leaseOwner: 'worker-1' }), error: IO_ERROR, retryDelayMs: 0 },
      { job: job('b', { leaseOwner: 'worker-2' }), error: IO_ERROR, retryDelayMs: null },
    ]);
    await called(1);
    expect(calls[0].onlyExpiredLeases).toBe(true);
    expect(calls[0].settlements.map(({ jobId, workerId, outcome }) => [jobId, workerId, outcome])).toEqual([
      ['a', 'worker-1', 'RETRYING'],
      ['b', 'worker-2', 'FAILED'],
    ]);
    calls[0].answer([['b', 'FAILED']]);
    expect((await recovered).map(({ id, status }) => [id, status])).toEqual([['b', JobStatus.FAILED]]);
  });
});
