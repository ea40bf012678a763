import type { JobRecord } from '../../../src/job-queue/common/job-record';
import type { Completion } from '../../../src/job-queue/database/queue-store';
import { type DriverUnderTest, idsOf, newJob, storedFile } from '../../support/driver-harness';

const LEASE_MS = 30_000;
const WORKER = 'worker-a';
const MINUTE = 60_000;
const BAD_FILE = { code: 'CORRUPT_FILE', message: 'not a PDF', recoverable: false };

const completion = (job: JobRecord): Completion => ({
  jobId: job.id,
  attempt: job.attemptCount,
  extractedText: null,
  metadata: null,
  result: JSON.stringify({ ok: true }),
  bytesProcessed: 7n,
});

/**
 * JobRecords (QueueDriver.records): what the API reads of jobs and changes by hand. Every state is reached through
 * the driver's own statements (insert, claim, complete, settle), never by writing rows, and every answer is read
 * back through JobRecords: a driver that keeps a job's state elsewhere is held to the same answers.
 */
export function jobRecordsCases(t: DriverUnderTest): void {
  const records = () => t.driver.records;
  const statusOf = async (id: string) => (await records().findJob(id))?.status;

  /** Jobs of `fileId` created `minutesAgo` each (distinct times order them), inserted in one statement. */
  const jobsCreated = (minutesAgo: number[], fields: Parameters<typeof newJob>[1] = {}) =>
    t.driver.insertJobs(
      minutesAgo.map((ago) =>
        newJob(t.fileId, { createdAt: new Date(Date.now() - ago * MINUTE), availableAt: new Date(0), ...fields }),
      ),
    );

  describe('findJob', () => {
    it("finds a job by id, within an owner's scope when one is given", async () => {
      const owner = 'user-1';
      const [owned] = await t.driver.insertJobs([newJob(await storedFile(t.db, owner), { userId: owner })]);
      const [unowned] = await t.driver.insertJobs([newJob(t.fileId)]);
      expect(await records().findJob(owned.id)).toEqual(owned);
      expect(await records().findJob(owned.id, owner)).toEqual(owned);
      expect(await records().findJob(owned.id, 'user-2')).toBeNull();
      expect(await records().findJob(owned.id, null)).toBeNull();
      expect(await records().findJob(unowned.id, null)).toEqual(unowned);
      expect(await records().findJob('job_missing')).toBeNull();
    });

    it('shows a claimed job as PROCESSING and a completed one as COMPLETED', async () => {
      const [job] = await t.driver.insertJobs([newJob(t.fileId)]);
      const [claimed] = await t.driver.claim(WORKER, 1, LEASE_MS);
      expect(await records().findJob(job.id)).toEqual(claimed);
      expect(claimed.status).toBe('PROCESSING');
      await t.driver.completeMany(WORKER, [completion(claimed)]);
      expect(await records().findJob(job.id)).toMatchObject({ status: 'COMPLETED', result: { ok: true } });
    });
  });

  describe('listJobs and countJobs', () => {
    it('pages newest first by (createdAt, id), after a position, and counts what the query matches', async () => {
      const jobs = await jobsCreated([5, 4, 3, 3, 1]);
      const newestFirst = [...jobs].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
      );
      const first = await records().listJobs({}, 2, null);
      expect(first.jobs).toEqual(newestFirst.slice(0, 2));
      expect([first.hasNextPage, first.hasPreviousPage]).toEqual([true, false]);
      const second = await records().listJobs({}, 2, newestFirst[1]);
      expect(second.jobs.map((job) => job.id)).toEqual(newestFirst.slice(2, 4).map((job) => job.id));
      expect([second.hasNextPage, second.hasPreviousPage]).toEqual([true, true]);
      const last = await records().listJobs({}, 2, newestFirst[3]);
      expect(last.jobs.map((job) => job.id)).toEqual([newestFirst[4].id]);
      expect([last.hasNextPage, last.hasPreviousPage]).toEqual([false, true]);
      expect(await records().countJobs({})).toBe(5);
      const window = { createdAfter: newestFirst[3].createdAt, createdBefore: newestFirst[0].createdAt };
      expect(idsOf((await records().listJobs(window, 10, null)).jobs)).toEqual(idsOf(newestFirst.slice(1, 4)));
      expect(await records().countJobs(window)).toBe(3);
    });

    it('filters by status, format, priority and owner, every condition applying', async () => {
      const owner = 'user-1';
      const pdf = await storedFile(t.db, owner, { format: 'pdf' });
      const [high, owned] = await t.driver.insertJobs([
        newJob(t.fileId, { priority: 3 }),
        newJob(pdf, { userId: owner }),
      ]);
      const [pending] = await jobsCreated([0]);
      const [claimed] = await t.driver.claim(WORKER, 1, LEASE_MS); // the high-priority job
      expect(claimed.id).toBe(high.id);
      const listed = async (query: Parameters<ReturnType<typeof records>['countJobs']>[0]) => {
        const ids = idsOf((await records().listJobs(query, 10, null)).jobs);
        expect(await records().countJobs(query)).toBe(ids.length);
        return ids;
      };
      expect(await listed({ statuses: ['PROCESSING'] })).toEqual([high.id]);
      expect(await listed({ statuses: ['PENDING'] })).toEqual(idsOf([owned, pending]));
      expect(await listed({ formats: ['pdf'] })).toEqual([owned.id]);
      expect(await listed({ priorities: [2], statuses: ['PENDING', 'PROCESSING'] })).toEqual(idsOf([owned, pending]));
      expect(await listed({ owners: [owner] })).toEqual([owned.id]);
      expect(await listed({ owners: [null], statuses: ['PENDING'] })).toEqual([pending.id]);
      expect(await listed({ owners: [owner, 'user-2'] })).toEqual([]);
      expect(await listed({ owners: [owner, owner], formats: ['txt'] })).toEqual([]);
      expect(await listed({ statuses: [] })).toEqual([]); // an empty list matches nothing
      expect(await listed({})).toHaveLength(3); // control: no condition, every job
    });

    it('counts by status within creation times, over every owner and for one, as it lists', async () => {
      const owner = 'user-1';
      const [old, running, recent, newest] = await jobsCreated([40, 30, 20, 10]);
      const [owned] = await jobsCreated([15], { fileId: await storedFile(t.db, owner), userId: owner });
      await t.driver.claim(WORKER, 1, LEASE_MS); // the oldest, `old`
      expect(await statusOf(old.id)).toBe('PROCESSING');
      const window = { createdAfter: new Date(Date.now() - 35 * MINUTE), createdBefore: running.createdAt };
      expect(await records().countJobs(window)).toBe(0); // after `old`, before `running` (the bound excluded)
      const since = (minutes: number) => new Date(Date.now() - minutes * MINUTE);
      const counted = async (query: Parameters<ReturnType<typeof records>['countJobs']>[0]) => {
        const ids = idsOf((await records().listJobs(query, 10, null)).jobs);
        expect(await records().countJobs(query)).toBe(ids.length);
        return ids;
      };
      expect(await counted({ statuses: ['PENDING'], createdAfter: since(25) })).toEqual(idsOf([newest, owned, recent]));
      expect(await counted({ statuses: ['PENDING'], createdAfter: since(25), createdBefore: owned.createdAt })).toEqual(
        [recent.id],
      );
      expect(await counted({ statuses: ['PENDING'], createdAfter: since(25), owners: [owner] })).toEqual([owned.id]);
      expect(await counted({ statuses: ['PROCESSING'], createdBefore: since(35) })).toEqual([old.id]);
      expect(await counted({ statuses: ['PROCESSING'], createdAfter: since(35) })).toEqual([]);
      expect(await counted({ createdAfter: since(35) })).toHaveLength(4); // control: every status
    });
  });

  describe('cancelQueuedJob, retryJobByHand and requestCancel', () => {
    it('cancels a queued job only, and retries by hand only a failed or cancelled one', async () => {
      const [claimed, waiting] = await jobsCreated([2, 1]);
      await t.driver.claim(WORKER, 1, LEASE_MS); // the older one
      expect(await statusOf(claimed.id)).toBe('PROCESSING');
      expect(await records().cancelQueuedJob(claimed.id)).toBe(false); // running: the canceller's to stop
      expect(await records().retryJobByHand(waiting.id)).toBe(false); // PENDING: nothing to retry
      const before = await t.driver.databaseTime();
      expect(await records().cancelQueuedJob(waiting.id)).toBe(true);
      const cancelled = await records().findJob(waiting.id);
      expect(cancelled).toMatchObject({ status: 'CANCELLED', nextRetryAt: null });
      expect(cancelled!.completedAt!.getTime()).toBeGreaterThanOrEqual(before.getTime());
      expect(await records().cancelQueuedJob(waiting.id)).toBe(false); // control: once only

      expect(await records().retryJobByHand(waiting.id)).toBe(true);
      expect(await records().findJob(waiting.id)).toMatchObject({
        status: 'PENDING',
        stage: 'QUEUED',
        progress: 0,
        completedAt: null,
        errorCode: null,
        nextAttemptManual: true,
      });
      const settled = await t.driver.settleMany([
        { jobId: claimed.id, attempt: 1, workerId: WORKER, outcome: 'FAILED', error: BAD_FILE, retryDelayMs: null },
      ]);
      expect(settled.get(claimed.id)).toBe('FAILED');
      expect(await records().retryJobByHand(claimed.id)).toBe(true);
      const [again] = await t.driver.claim(WORKER, 2, LEASE_MS);
      expect(again).toMatchObject({ status: 'PROCESSING', attemptCount: 2 }); // the retried job, due at once
    });

    it('records a cancel request on a running job only, which its lease renewal then reports', async () => {
      const [job] = await t.driver.insertJobs([newJob(t.fileId)]);
      expect(await records().requestCancel(job.id)).toBe(false); // PENDING: cancelQueuedJob's
      expect(await t.driver.claim(WORKER, 1, LEASE_MS)).toHaveLength(1);
      expect(await t.driver.renewLeases(WORKER, [job.id], LEASE_MS)).toEqual({ lost: [], cancelRequested: [] });
      expect(await records().requestCancel(job.id)).toBe(true);
      expect(await statusOf(job.id)).toBe('PROCESSING');
      expect(await t.driver.renewLeases(WORKER, [job.id], LEASE_MS)).toEqual({ lost: [], cancelRequested: [job.id] });
      expect(await records().requestCancel('job_missing')).toBe(false);
    });
  });

  describe('attemptHistories', () => {
    it("lists each job's attempts, the running and the completing one included", async () => {
      const [failedThenRunning, completed, queued] = await jobsCreated([3, 2, 1]);
      await t.driver.claim(WORKER, 2, LEASE_MS);
      await t.driver.settleMany([
        {
          jobId: failedThenRunning.id,
          attempt: 1,
          workerId: WORKER,
          outcome: 'RETRYING',
          error: BAD_FILE,
          retryDelayMs: 0,
        },
      ]);
      const [claimedCompleted] = (await records().listJobs({ statuses: ['PROCESSING'] }, 1, null)).jobs;
      await t.driver.completeMany(WORKER, [completion(claimedCompleted)]);
      const [again] = await t.driver.claim('worker-b', 1, LEASE_MS);
      expect(again.id).toBe(failedThenRunning.id);

      const histories = await records().attemptHistories([
        failedThenRunning.id,
        completed.id,
        queued.id,
        'job_missing',
      ]);
      const summary = (id: string) =>
        histories.get(id)!.map(({ number, workerId, outcome, errorCode, finishedAt }) => ({
          number,
          workerId,
          outcome,
          errorCode,
          finished: finishedAt !== null,
        }));
      expect(summary(failedThenRunning.id)).toEqual([
        { number: 1, workerId: WORKER, outcome: 'RETRYING', errorCode: 'CORRUPT_FILE', finished: true },
        { number: 2, workerId: 'worker-b', outcome: null, errorCode: null, finished: false },
      ]);
      expect(summary(completed.id)).toEqual([
        { number: 1, workerId: WORKER, outcome: 'COMPLETED', errorCode: null, finished: true },
      ]);
      expect(histories.get(queued.id)).toEqual([]);
      expect(histories.get('job_missing')).toEqual([]);
    });
  });

  describe('overwriteJob', () => {
    it('sets the fields as given, whatever the state, and answers the job as it then stands', async () => {
      const [job] = await t.driver.insertJobs([newJob(t.fileId)]);
      const expired = new Date(Date.now() - MINUTE);
      const overwritten = await records().overwriteJob(job.id, {
        status: 'PROCESSING',
        leaseOwner: 'worker-z',
        leaseExpiresAt: expired,
        attemptCount: 1,
        metadata: { pages: 3 },
      });
      expect(overwritten).toEqual(await records().findJob(job.id));
      expect(overwritten).toMatchObject({ status: 'PROCESSING', leaseOwner: 'worker-z', leaseExpiresAt: expired });
      expect(overwritten.metadata).toEqual({ pages: 3 });
      // The queue's statements see that state: the lease ran out, so stalled recovery lists the job.
      expect((await t.driver.findStalled()).map((stalled) => stalled.id)).toEqual([job.id]);
      await expect(records().overwriteJob('job_missing', { progress: 1 })).rejects.toThrow();
    });
  });

  describe('recentDurationAverages', () => {
    it('averages by format over the most recent completions only', async () => {
      const pdf = await storedFile(t.db, null, { format: 'pdf' });
      const [txtJob] = await t.driver.insertJobs([newJob(t.fileId)]);
      await t.driver.insertJobs([newJob(pdf, { createdAt: new Date(), availableAt: new Date(0) })]);
      const [claimedTxt] = await t.driver.claim(WORKER, 1, LEASE_MS);
      expect(claimedTxt.id).toBe(txtJob.id);
      await t.driver.completeMany(WORKER, [completion(claimedTxt)]);
      const txtDone = (await records().overwriteJob(txtJob.id, { actualDuration: 100 })).completedAt!;
      // The pdf job completes later by the database's clock, so it is the most recent completion.
      while ((await t.driver.databaseTime()).getTime() <= txtDone.getTime());
      const [claimedPdf] = await t.driver.claim(WORKER, 1, LEASE_MS);
      await t.driver.completeMany(WORKER, [completion(claimedPdf)]);
      await records().overwriteJob(claimedPdf.id, { actualDuration: 301 });
      const [queued] = await t.driver.insertJobs([newJob(t.fileId)]);
      await records().overwriteJob(queued.id, { actualDuration: 5_000 }); // control: not COMPLETED, not averaged

      expect(await records().recentDurationAverages(10)).toEqual(
        new Map([
          ['txt', 100],
          ['pdf', 301],
        ]),
      );
      expect(await records().recentDurationAverages(1)).toEqual(new Map([['pdf', 301]]));
      await expect(records().recentDurationAverages(0)).rejects.toThrow('sampleSize');
    });
  });
}
