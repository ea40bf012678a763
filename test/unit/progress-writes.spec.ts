import { PROGRESS_WRITE_INTERVAL_MS, ProgressWrites } from '../../src/job-queue/progress/progress-writes';
import { ProcessingStage } from '../../src/job-queue/common/job.enums';
import type { SavedProgress } from '../../src/job-queue/database/queue-store';
import type { ProgressSnapshot } from '../../src/job-queue/processor-contract/progress-reporter';

const snapshotAt = (progress: number): ProgressSnapshot => ({
  stage: ProcessingStage.READING,
  progress,
  bytesProcessed: progress * 10,
  totalBytes: 1000,
  message: null,
});

const progressOf = (snapshot: () => ProgressSnapshot) => ({ snapshot });

/** A save whose calls the test ends one by one: records what each carried, when, and how many ran at once. */
function controlledSave() {
  const calls: { at: number; workerId: string; jobs: string[]; progress: number[] }[] = [];
  const endings: (() => void)[] = [];
  let active = 0;
  let maxActive = 0;
  const save = (workerId: string, saves: SavedProgress[]) =>
    new Promise<void>((resolve) => {
      calls.push({
        at: Date.now(),
        workerId,
        jobs: saves.map((s) => s.jobId),
        progress: saves.map((s) => s.progress),
      });
      maxActive = Math.max(maxActive, ++active);
      endings.push(() => {
        active--;
        resolve();
      });
    });
  return { save, calls, maxActive: () => maxActive, endAll: () => endings.splice(0).forEach((end) => end()) };
}

describe('ProgressWrites (one timer and one statement a round for every running job)', () => {
  const START = 1_000_000;
  beforeEach(() => jest.useFakeTimers({ now: START }));
  afterEach(() => jest.useRealTimers());

  it('writes jobs that started together in one call, a full interval after they started, with their latest progress', async () => {
    const { save, calls, endAll } = controlledSave();
    const writes = new ProgressWrites(save);
    const progress = new Map<string, number>();
    const entries = ['a', 'b', 'c'].map((jobId) =>
      writes.entry(
        jobId,
        'worker-1',
        progressOf(() => snapshotAt(progress.get(jobId)!)),
      ),
    );
    entries.forEach((entry, index) => {
      progress.set(entry.jobId, 10 + index);
      writes.reported(entry);
    });
    await jest.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS - 1);
    expect(calls).toEqual([]); // the first write waits a full interval
    progress.set('b', 50); // reported again meanwhile: the write carries the latest
    writes.reported(entries[1]);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls).toEqual([
      { at: START + PROGRESS_WRITE_INTERVAL_MS, workerId: 'worker-1', jobs: ['a', 'b', 'c'], progress: [10, 50, 12] },
    ]);
    endAll();
  });

  it('writes nothing for a job that stops within the interval, and sets no timer once none is pending', async () => {
    const { save, calls } = controlledSave();
    const writes = new ProgressWrites(save);
    const entry = writes.entry(
      'short',
      'worker-1',
      progressOf(() => snapshotAt(5)),
    );
    writes.reported(entry);
    expect(jest.getTimerCount()).toBe(1);
    writes.stop(entry);
    writes.reported(entry); // a late report of a stopped job is ignored
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10 * PROGRESS_WRITE_INTERVAL_MS);
    expect(calls).toEqual([]);
  });

  it('writes each job at most once an interval, one round at a time, and only jobs that reported since their last write', async () => {
    const { save, calls, maxActive, endAll } = controlledSave();
    const writes = new ProgressWrites(save);
    const busy = writes.entry(
      'busy',
      'worker-1',
      progressOf(() => snapshotAt(1)),
    );
    const quiet = writes.entry(
      'quiet',
      'worker-1',
      progressOf(() => snapshotAt(2)),
    );
    writes.reported(busy);
    writes.reported(quiet);
    await jest.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS);
    expect(calls.map((call) => call.jobs)).toEqual([['busy', 'quiet']]);
    writes.reported(busy); // while the first round's statement is still running
    await jest.advanceTimersByTimeAsync(3 * PROGRESS_WRITE_INTERVAL_MS);
    expect(calls).toHaveLength(1); // the next round waits for the last one's statement
    endAll();
    await jest.advanceTimersByTimeAsync(0);
    expect(calls.map((call) => [call.at - START, call.jobs])).toEqual([
      [PROGRESS_WRITE_INTERVAL_MS, ['busy', 'quiet']],
      [4 * PROGRESS_WRITE_INTERVAL_MS, ['busy']],
    ]);
    expect(maxActive()).toBe(1);
    endAll();
  });

  it("writes each worker's jobs in a call of their own, and a job that joined later in a later round", async () => {
    const { save, calls, endAll } = controlledSave();
    const writes = new ProgressWrites(save);
    writes.reported(
      writes.entry(
        'a1',
        'worker-a',
        progressOf(() => snapshotAt(1)),
      ),
    );
    writes.reported(
      writes.entry(
        'b1',
        'worker-b',
        progressOf(() => snapshotAt(2)),
      ),
    );
    await jest.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS / 2);
    writes.reported(
      writes.entry(
        'a2',
        'worker-a',
        progressOf(() => snapshotAt(3)),
      ),
    ); // due half an interval after the others
    await jest.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS / 2);
    expect(calls.map((call) => [call.workerId, call.jobs])).toEqual([
      ['worker-a', ['a1']],
      ['worker-b', ['b1']],
    ]);
    endAll();
    await jest.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS / 2);
    expect(calls.map((call) => [call.at - START, call.workerId, call.jobs]).slice(2)).toEqual([
      [1.5 * PROGRESS_WRITE_INTERVAL_MS, 'worker-a', ['a2']],
    ]);
    endAll();
  });

  it('keeps the pending list whole when jobs stop out of order', async () => {
    const { save, calls, endAll } = controlledSave();
    const writes = new ProgressWrites(save);
    const entries = ['a', 'b', 'c', 'd', 'e'].map((jobId) =>
      writes.entry(
        jobId,
        'w',
        progressOf(() => snapshotAt(1)),
      ),
    );
    entries.forEach((entry) => writes.reported(entry));
    writes.stop(entries[1]);
    writes.stop(entries[4]);
    writes.stop(entries[0]);
    await jest.advanceTimersByTimeAsync(PROGRESS_WRITE_INTERVAL_MS);
    expect(calls.map((call) => [...call.jobs].sort())).toEqual([['c', 'd']]);
    endAll();
  });
});
