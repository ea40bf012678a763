import { ProcessingStage } from '../../../src/job-queue/common/job.enums';
import type { Completion } from '../../../src/job-queue/database/queue-store';
import { type DriverUnderTest, idsOf, jobClaimedTwice, jobOf, newJob } from '../../support/driver-harness';

/**
 * The queue's statements from the claim to the attempt's end (QueueStore), outcomes of failure aside
 * (settle-many.cases.ts): one describe per operation, each case with exact outcomes and a control. Attempt rows
 * are not asserted (when they are written is the store's choice).
 */
const HOUR = 3_600_000;
const LEASE_MS = 30_000;
/** The completion of a job's attempt `attempt` (its first claim's, unless told). */
const completion = (jobId: string, attempt = 1, result: unknown = { ok: jobId }): Completion => ({
  jobId,
  attempt,
  extractedText: `text of ${jobId}`,
  metadata: JSON.stringify({ pages: 1 }),
  result: JSON.stringify(result),
  bytesProcessed: 7n,
});

export function claimAndRunCases(t: DriverUnderTest): void {
  const jobRow = (id: string) => jobOf(t, id);

  describe('claim', () => {
    it('takes the highest priority first, then the oldest', async () => {
      const base = Date.now() - HOUR;
      const at = (offsetMs: number) => ({ createdAt: new Date(base + offsetMs), availableAt: new Date(base) });
      const [low, highNew, medium, highOld] = await t.driver.insertJobs([
        newJob(t.fileId, { priority: 1, ...at(0) }),
        newJob(t.fileId, { priority: 3, ...at(2000) }),
        newJob(t.fileId, { priority: 2, ...at(1000) }),
        newJob(t.fileId, { priority: 3, ...at(3000 - 2000) }),
      ]);
      const claimed = await t.driver.claim('worker-a', 10, LEASE_MS);
      expect(claimed.map((job) => job.id)).toEqual([highOld.id, highNew.id, medium.id, low.id]);
    });

    it('leaves jobs that are not due yet, and takes RETRYING jobs that are', async () => {
      const [future, due, retrying] = await t.driver.insertJobs([
        newJob(t.fileId, { availableAt: new Date(Date.now() + HOUR) }),
        newJob(t.fileId),
        newJob(t.fileId),
      ]);
      await t.driver.records.overwriteJob(retrying.id, { status: 'RETRYING' });
      expect(idsOf(await t.driver.claim('worker-a', 10, LEASE_MS))).toEqual(idsOf([due, retrying]));
      expect((await jobRow(future.id)).status).toBe('PENDING');
    });

    it('takes at most `limit` jobs', async () => {
      await t.driver.insertJobs(Array.from({ length: 5 }, () => newJob(t.fileId)));
      expect(await t.driver.claim('worker-a', 3, LEASE_MS)).toHaveLength(3);
      expect(await t.driver.claim('worker-a', 3, LEASE_MS)).toHaveLength(2);
      expect(await t.driver.claim('worker-a', 3, LEASE_MS)).toEqual([]);
    });

    it("moves the job to PROCESSING under the worker's lease and counts the attempt", async () => {
      const [job] = await t.driver.insertJobs([newJob(t.fileId)]);
      // What an earlier attempt left (the claim returns its own values for these, not the row's).
      await t.driver.records.overwriteJob(job.id, {
        status: 'RETRYING',
        stage: 'PARSING',
        progress: 40,
        bytesProcessed: 123n,
        leaseOwner: 'worker-z',
        cancelRequestedAt: new Date(),
        updatedAt: new Date(0),
      });
      const before = Date.now();
      const [claimed] = await t.driver.claim('worker-a', 1, LEASE_MS);
      const after = Date.now();
      expect(claimed).toEqual(await jobRow(job.id));
      expect(claimed).toMatchObject({ id: job.id, status: 'PROCESSING', leaseOwner: 'worker-a', attemptCount: 1 });
      // Database clock against this process's: same machine, a 1 s margin for timestamp precision and scheduling.
      expect(claimed.leaseExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + LEASE_MS - 1000);
      expect(claimed.leaseExpiresAt!.getTime()).toBeLessThanOrEqual(after + LEASE_MS + 1000);
      expect(claimed.startedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await t.driver.claim('worker-b', 1, LEASE_MS)).toEqual([]); // a held job is not claimable
    });

    it('never hands a job to two claimers: 2 instances x 20 concurrent claims of 5 over 200 jobs', async () => {
      await t.driver.insertJobs(Array.from({ length: 200 }, () => newJob(t.fileId)));
      const claims = (driver: typeof t.driver, worker: string) =>
        Promise.all(Array.from({ length: 20 }, () => driver.claim(worker, 5, LEASE_MS)));
      const [first, second] = await Promise.all([claims(t.driver, 'worker-a'), claims(t.second, 'worker-b')]);
      const ids = [...first, ...second].flat().map((job) => job.id);
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      const stored = (await t.driver.records.listJobs({}, 1_000, null)).jobs;
      expect(stored.filter((job) => job.status === 'PROCESSING')).toHaveLength(200);
      const heldBy = (worker: string) => idsOf(stored.filter((job) => job.leaseOwner === worker));
      expect(heldBy('worker-a')).toEqual(idsOf(first.flat()));
      expect(heldBy('worker-b')).toEqual(idsOf(second.flat()));
    });
  });

  describe('completeMany', () => {
    it('commits only the jobs the worker still holds', async () => {
      const [kept, taken, cancelled] = await t.driver.insertJobs([
        newJob(t.fileId),
        newJob(t.fileId),
        newJob(t.fileId),
      ]);
      await t.driver.records.overwriteJob(kept.id, { nextAttemptManual: true });
      await t.driver.claim('worker-a', 3, LEASE_MS);
      await t.driver.records.overwriteJob(taken.id, { leaseOwner: 'worker-b' });
      await t.driver.records.overwriteJob(cancelled.id, {
        status: 'CANCELLED',
        leaseOwner: null,
        leaseExpiresAt: null,
      });
      const committed = await t.driver.completeMany(
        'worker-a',
        [kept, taken, cancelled].map((job) => completion(job.id)),
      );
      expect([...committed]).toEqual([kept.id]);
      expect(await jobRow(kept.id)).toMatchObject({
        status: 'COMPLETED',
        progress: 100,
        result: { ok: kept.id },
        metadata: { pages: 1 },
        extractedText: `text of ${kept.id}`,
        bytesProcessed: 7n,
        // The completed attempt has no row: the job keeps its worker and manual flag (src/job-queue/database/attempt-on-job.ts).
        leaseOwner: 'worker-a',
        nextAttemptManual: true,
        leaseExpiresAt: null,
      });
      expect((await jobRow(kept.id)).completedAt).toBeInstanceOf(Date);
      expect(await t.db.jobAttempt.count()).toBe(0);
      expect(await jobRow(taken.id)).toMatchObject({ status: 'PROCESSING', leaseOwner: 'worker-b', result: null });
      expect((await jobRow(cancelled.id)).status).toBe('CANCELLED');
    });

    it("refuses an earlier attempt's completion once the same worker claimed the job again", async () => {
      const second = await jobClaimedTwice(t, 'worker-a', LEASE_MS);
      expect([...(await t.driver.completeMany('worker-a', [completion(second.id, 1, 'stale')]))]).toEqual([]);
      expect(await jobRow(second.id)).toMatchObject({ status: 'PROCESSING', attemptCount: 2, result: null });
      // control: the attempt that holds the job completes it
      expect([...(await t.driver.completeMany('worker-a', [completion(second.id, 2)]))]).toEqual([second.id]);
      expect(await jobRow(second.id)).toMatchObject({ status: 'COMPLETED', result: { ok: second.id } });
    });
  });

  describe('renewLeases', () => {
    it('extends held leases and reports the lost ones and those whose cancel was requested', async () => {
      const [held, taken, cancelling] = await t.driver.insertJobs([
        newJob(t.fileId),
        newJob(t.fileId),
        newJob(t.fileId),
      ]);
      await t.driver.claim('worker-a', 3, 1000);
      await t.driver.records.overwriteJob(taken.id, { leaseOwner: 'worker-b' });
      await t.driver.records.overwriteJob(cancelling.id, { cancelRequestedAt: new Date() });
      const takenLease = (await jobRow(taken.id)).leaseExpiresAt!.getTime();
      const before = Date.now();
      const renewal = await t.driver.renewLeases('worker-a', [held.id, taken.id, cancelling.id], LEASE_MS);
      expect(renewal).toEqual({ lost: [taken.id], cancelRequested: [cancelling.id] });
      expect((await jobRow(held.id)).leaseExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + LEASE_MS - 1000);
      expect((await jobRow(cancelling.id)).leaseExpiresAt!.getTime()).toBeGreaterThanOrEqual(before + LEASE_MS - 1000);
      expect((await jobRow(taken.id)).leaseExpiresAt!.getTime()).toBe(takenLease);
      expect(await t.driver.renewLeases('worker-a', [], LEASE_MS)).toEqual({ lost: [], cancelRequested: [] });
    });
  });

  describe('findStalled', () => {
    it("lists the PROCESSING jobs whose lease expired by the database's clock, the longest expired first", async () => {
      const jobs = await t.driver.insertJobs([1, 2, 3, 4].map(() => newJob(t.fileId)));
      await t.driver.claim('worker-a', 4, LEASE_MS);
      const [older, newer, alive, retrying] = jobs;
      const now = Date.now();
      const leaseAt = (id: string, agoMs: number, status?: 'RETRYING') =>
        t.driver.records.overwriteJob(id, { leaseExpiresAt: new Date(now - agoMs), status });
      await leaseAt(newer.id, 10_000);
      await leaseAt(older.id, 30_000);
      await leaseAt(alive.id, -60_000); // control: due to expire in a minute
      await leaseAt(retrying.id, 40_000, 'RETRYING'); // control: expired, but no longer PROCESSING
      const stalled = await t.driver.findStalled();
      expect(stalled.map((job) => job.id)).toEqual([older.id, newer.id]);
      for (const job of stalled) expect(job).toEqual(await jobRow(job.id)); // row mapping: types and values
    });
  });

  describe('saveProgress', () => {
    it("saves held jobs' stage, progress and bytes in one call, and leaves a job the worker no longer holds alone", async () => {
      const [first, second, taken] = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId), newJob(t.fileId)]);
      await t.driver.claim('worker-a', 3, LEASE_MS);
      await t.driver.records.overwriteJob(taken.id, { leaseOwner: 'worker-b' });
      const before = (await jobRow(first.id)).updatedAt.getTime();
      // Out of id order, each job with values of its own: every row must get its own.
      const [later, earlier] = [first, second].sort((a, b) => b.id.localeCompare(a.id));
      await t.driver.saveProgress('worker-a', [
        { jobId: later.id, stage: ProcessingStage.READING, progress: 40, bytesProcessed: 1234 },
        { jobId: taken.id, stage: ProcessingStage.PARSING, progress: 70, bytesProcessed: 99 },
        { jobId: earlier.id, stage: ProcessingStage.EXTRACTING, progress: 55, bytesProcessed: 5678 },
      ]);
      await t.driver.saveProgress('worker-a', []); // an empty round is no error
      expect(await jobRow(later.id)).toMatchObject({ stage: 'READING', progress: 40, bytesProcessed: 1234n });
      expect(await jobRow(earlier.id)).toMatchObject({ stage: 'EXTRACTING', progress: 55, bytesProcessed: 5678n });
      expect((await jobRow(first.id)).updatedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(await jobRow(taken.id)).toMatchObject({ stage: 'QUEUED', progress: 0, bytesProcessed: 0n });
    });
  });

  describe('saveExtraction', () => {
    it("saves a held job's text, metadata and result; null metadata keeps the job's; a job not held is left alone", async () => {
      const [held, kept, taken] = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId), newJob(t.fileId)]);
      await t.driver.claim('worker-a', 3, LEASE_MS);
      await t.driver.records.overwriteJob(kept.id, { metadata: { pages: 9 } });
      await t.driver.records.overwriteJob(taken.id, { leaseOwner: 'worker-b' });
      const extraction = (text: string) => ({
        extractedText: text,
        metadata: JSON.stringify({ pages: 2 }),
        result: JSON.stringify({ words: 3, analysisPending: true }),
      });
      await t.driver.saveExtraction(held.id, 'worker-a', extraction('one two three'));
      await t.driver.saveExtraction(kept.id, 'worker-a', { ...extraction('four'), metadata: null });
      await t.driver.saveExtraction(taken.id, 'worker-a', extraction('five'));
      expect(await jobRow(held.id)).toMatchObject({
        status: 'PROCESSING',
        extractedText: 'one two three',
        metadata: { pages: 2 },
        result: { words: 3, analysisPending: true },
      });
      expect(await jobRow(kept.id)).toMatchObject({ extractedText: 'four', metadata: { pages: 9 } });
      expect(await jobRow(taken.id)).toMatchObject({ extractedText: null, metadata: null, result: null });
    });
  });
}
