import type { JobRecord } from '../../../src/job-queue/common/job-record';
import { type DriverUnderTest, newJob, storedFile } from '../../support/driver-harness';

const LEASE_MS = 30_000;
const WORKER = 'worker-a';
const HOUR = 3_600_000;
const BAD_INPUT = { code: 'MALFORMED_FILE', message: 'not JSON', recoverable: false };
const TIMEOUT = { code: 'TIMEOUT', message: 'took too long', recoverable: true };

/**
 * JobStatistics (QueueDriver.statistics): the aggregates of jobStats, queueHealth and the chart, over jobs brought to
 * each state by the driver's own statements and never by writing rows, so a driver that keeps a job's state
 * elsewhere is held to the same figures. Averages and the SQL arithmetic behind them: provider-pieces.cases.ts.
 */
export function jobStatisticsCases(t: DriverUnderTest): void {
  const statistics = () => t.driver.statistics;
  const owner = 'user-1';

  /**
   * Five jobs: one COMPLETED (txt, HIGH), one FAILED by its input (pdf, of `owner`), one RETRYING after a timeout,
   * one PROCESSING and one PENDING (txt, NORMAL). Returns the claimed one still running, the retried one, and the
   * time before.
   */
  const seed = async (): Promise<{ running: JobRecord; retried: JobRecord; before: Date }> => {
    const before = await t.driver.databaseTime();
    const pdf = await storedFile(t.db, owner, { format: 'pdf' });
    const created = (minutesAgo: number) => new Date(before.getTime() - minutesAgo * 60_000);
    const [completed, failed, retried, running] = await t.driver.insertJobs([
      newJob(t.fileId, { priority: 3, createdAt: created(5) }),
      newJob(pdf, { userId: owner, createdAt: created(4) }),
      newJob(t.fileId, { createdAt: created(3) }),
      newJob(t.fileId, { createdAt: created(2) }),
    ]);
    const claimed = await t.driver.claim(WORKER, 4, LEASE_MS);
    expect(claimed.map((job) => job.id)).toEqual([completed.id, failed.id, retried.id, running.id]);
    await t.driver.completeMany(WORKER, [
      {
        jobId: completed.id,
        attempt: 1,
        extractedText: null,
        metadata: null,
        result: null,
        bytesProcessed: 7n,
      },
    ]);
    const settle = { attempt: 1, workerId: WORKER };
    await t.driver.settleMany([
      { ...settle, jobId: failed.id, outcome: 'FAILED', error: BAD_INPUT, retryDelayMs: null },
      { ...settle, jobId: retried.id, outcome: 'RETRYING', error: TIMEOUT, retryDelayMs: HOUR },
    ]);
    await t.driver.insertJobs([newJob(t.fileId, { availableAt: created(1), createdAt: created(1) })]);
    return { running: claimed[3], retried, before };
  };

  describe('statistics', () => {
    it('counts jobs by status, format and priority, for all jobs and for one owner', async () => {
      await seed();
      const sorted = (rows: { status: string; format: string; priority: number; count: number }[]) =>
        rows.map(({ status, format, priority, count }) => `${status} ${format} ${priority} ${count}`).sort();
      expect(sorted(await statistics().countsByStatusFormatPriority(undefined))).toEqual([
        'COMPLETED txt 3 1',
        'FAILED pdf 2 1',
        'PENDING txt 2 1',
        'PROCESSING txt 2 1',
        'RETRYING txt 2 1',
      ]);
      expect(sorted(await statistics().countsByStatusFormatPriority(owner))).toEqual(['FAILED pdf 2 1']);
      expect(sorted(await statistics().countsByStatusFormatPriority(null))).toHaveLength(4);
      expect(await statistics().countsByStatusFormatPriority('user-2')).toEqual([]);
    });

    it("gives the day's completions, the input failures and the errors by code", async () => {
      const { retried } = await seed();
      const now = await t.driver.databaseTime();
      const figures = await statistics().jobFigures(now, undefined, [BAD_INPUT.code]);
      expect(figures).toMatchObject({ lastHour: 1, last24Hours: 1, completedBeforeWeek: 0, inputFailed: 1 });
      expect(figures.averageProcessingTimeMs).toBeGreaterThanOrEqual(0);
      expect(figures.averageQueueTimeMs).toBeGreaterThanOrEqual(5 * 60_000 - 1_000); // created 5 minutes before
      expect(figures.counts.reduce((sum, row) => sum + row.count, 0)).toBe(5);
      expect((await statistics().jobFigures(now, undefined, [TIMEOUT.code])).inputFailed).toBe(0); // RETRYING
      expect((await statistics().jobFigures(now, undefined, [])).inputFailed).toBe(0);
      expect(await statistics().countInputFailures(undefined, [BAD_INPUT.code])).toBe(1);
      expect(await statistics().countInputFailures(null, [BAD_INPUT.code])).toBe(0); // the failed job is owner's
      expect((await statistics().jobFigures(now, 'user-2', [BAD_INPUT.code])).lastHour).toBe(0);

      const errors = await statistics().errorCounts(undefined);
      expect(errors.map(({ code, count }) => [code, count])).toEqual([
        [BAD_INPUT.code, 1],
        [TIMEOUT.code, 1],
      ]);
      for (const error of errors) expect(error.lastSeenAt!.getTime()).toBeLessThanOrEqual(now.getTime());
      expect((await statistics().errorCounts(owner)).map((error) => error.code)).toEqual([BAD_INPUT.code]);

      // A second timeout of the retried job: the more frequent code comes first (the tie above went by code).
      await t.driver.records.overwriteJob(retried.id, { availableAt: new Date(0) });
      const [again] = await t.driver.claim(WORKER, 1, LEASE_MS);
      expect(again).toMatchObject({ id: retried.id, attemptCount: 2 });
      await t.driver.settleMany([
        { jobId: again.id, attempt: 2, workerId: WORKER, outcome: 'RETRYING', error: TIMEOUT, retryDelayMs: HOUR },
      ]);
      expect((await statistics().errorCounts(undefined)).map(({ code, count }) => [code, count])).toEqual([
        [TIMEOUT.code, 2],
        [BAD_INPUT.code, 1],
      ]);
    });

    it('buckets completions and failures by when they ended', async () => {
      const { before } = await seed();
      const since = new Date(before.getTime() - HOUR);
      const buckets = await statistics().outcomesSince(since, HOUR / 2, undefined);
      expect(buckets.sort((a, b) => a.status.localeCompare(b.status))).toEqual([
        { bucket: 2, status: 'COMPLETED', count: 1 },
        { bucket: 2, status: 'FAILED', count: 1 },
      ]);
      expect(await statistics().outcomesSince(since, HOUR / 2, owner)).toEqual([
        { bucket: 2, status: 'FAILED', count: 1 },
      ]);
    });

    it('counts stalled jobs and dates the oldest due pending job by the given now', async () => {
      const { running, before } = await seed();
      const leaseEnd = running.leaseExpiresAt!;
      expect(await statistics().countStalled(new Date(leaseEnd.getTime() - 1), undefined)).toBe(0);
      expect(await statistics().countStalled(new Date(leaseEnd.getTime() + 1), undefined)).toBe(1);
      expect(await statistics().countStalled(new Date(leaseEnd.getTime() + 1), owner)).toBe(0);

      const now = await t.driver.databaseTime();
      const oldest = await statistics().oldestDuePendingSince(now, undefined);
      expect(oldest).toEqual(new Date(before.getTime() - 60_000)); // the PENDING job, due a minute before; not RETRYING
      expect(await statistics().oldestDuePendingSince(new Date(oldest!.getTime() - 1), undefined)).toBeNull();
      expect(await statistics().oldestDuePendingSince(now, owner)).toBeNull();
    });
  });
}
