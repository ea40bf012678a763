import { ProcessingStage } from '../../../src/job-queue/common/job.enums';
import { type Completion, UnknownFilesError } from '../../../src/job-queue/database/queue-store';
import { type DriverUnderTest, idsOf, newJob, storedFile } from '../../support/driver-harness';

/**
 * The queue's statements (QueueStore): one describe per operation. A case seeds what it needs (the database is
 * emptied before each) and checks exact outcomes beside a control that would differ if the driver got it wrong.
 * Attempt rows are not asserted (when they are written is the store's choice).
 */
const HOUR = 3_600_000;
const LEASE_MS = 30_000;
const completion = (jobId: string, result: unknown = { ok: jobId }): Completion => ({
  jobId,
  extractedText: `text of ${jobId}`,
  metadata: JSON.stringify({ pages: 1 }),
  result: JSON.stringify(result),
  bytesProcessed: 7n,
});

export function queueStatementCases(t: DriverUnderTest): void {
  const jobRow = (id: string) => t.db.processingJob.findUniqueOrThrow({ where: { id } });

  describe('insertJobs', () => {
    it('inserts PENDING jobs and returns them in input order, mapped as Prisma maps them', async () => {
      // Dates to the millisecond, one shared by two jobs and one not, and a runAt: each stored as given.
      const createdAt = [Date.UTC(2026, 0, 2, 3, 4, 5, 678), Date.UTC(2026, 0, 2, 3, 4, 5, 678), Date.UTC(2025, 6, 1)];
      const runAt = [null, new Date(Date.now() + 3_600_123), null];
      const jobs = [3, 1, 2].map((priority, index) =>
        newJob(t.fileId, {
          priority,
          options: JSON.stringify({ language: 'en', pages: [1, 2] }),
          createdAt: new Date(createdAt[index]),
          runAt: runAt[index],
          availableAt: runAt[index] ?? new Date(createdAt[index]),
        }),
      );
      const returned = await t.driver.insertJobs(jobs);
      expect(returned.map((job) => job.id)).toEqual(jobs.map((job) => job.id));
      expect(returned.map((job) => job.status)).toEqual(['PENDING', 'PENDING', 'PENDING']);
      for (const job of returned) expect(job).toEqual(await jobRow(job.id)); // row mapping: types and values
      expect(returned[0].options).toEqual({ language: 'en', pages: [1, 2] });
      expect(returned[0].fileSize).toBe(7n);
      const stored = await Promise.all(jobs.map((job) => jobRow(job.id)));
      expect(stored.map((row) => [row.createdAt.getTime(), row.runAt?.getTime() ?? null])).toEqual(
        createdAt.map((time, index) => [time, runAt[index]?.getTime() ?? null]),
      );
    });

    it("dates a job given no time by the database's clock, available then or at a later runAt", async () => {
      const runAt = new Date(Date.now() + HOUR);
      const asEnqueued = (fields: Parameters<typeof newJob>[1]) =>
        newJob(t.fileId, { createdAt: null, availableAt: null, ...fields });
      const before = await t.driver.databaseTime();
      const unkeyed = await t.driver.insertJobs([asEnqueued({}), asEnqueued({ runAt }), asEnqueued({ runAt: null })]);
      const keyed = await t.driver.insertJobs([asEnqueued({ idempotencyKey: 'dated', runAt: new Date(0) })]);
      const after = await t.driver.databaseTime();
      const returned = [...unkeyed, ...keyed];
      for (const job of returned) expect(job).toEqual(await jobRow(job.id));
      for (const job of returned) {
        expect(job.createdAt.getTime()).toBeGreaterThanOrEqual(before.getTime());
        expect(job.createdAt.getTime()).toBeLessThanOrEqual(after.getTime());
        expect(job.updatedAt).toEqual(job.createdAt);
      }
      expect(unkeyed[1].createdAt).toEqual(unkeyed[0].createdAt); // one batch, one time
      // (control) a runAt ahead makes the job wait; one past does not move it before its creation
      expect(returned.map((job) => job.availableAt)).toEqual([
        unkeyed[0].createdAt,
        runAt,
        unkeyed[2].createdAt,
        keyed[0].createdAt,
      ]);
    });

    it('folds an idempotency key that exists already to the existing job, and inserts the rest', async () => {
      const [existing] = await t.driver.insertJobs([newJob(t.fileId, { idempotencyKey: 'key-1' })]);
      const repeat = newJob(t.fileId, { idempotencyKey: 'key-1', priority: 3 });
      const fresh = newJob(t.fileId, { idempotencyKey: 'key-2' });
      const returned = await t.driver.insertJobs([repeat, fresh]);
      expect(returned.map((job) => job.id)).toEqual([existing.id, fresh.id]);
      expect(returned[0].priority).toBe(2); // the existing job as it is, not the repeat's fields
      expect(await t.db.processingJob.count()).toBe(2);
    });

    it("copies each job's file (name, size, format) and that format's estimate into the job", async () => {
      const pdf = await storedFile(t.db, null, { format: 'pdf', size: 2_048n });
      const estimatedDurations = new Map([['pdf', 1_500]]);
      const jobs = [newJob(t.fileId), newJob(pdf), newJob(t.fileId), newJob(pdf, { idempotencyKey: 'keyed' })];
      const unkeyed = await t.driver.insertJobs(jobs.slice(0, 3), { estimatedDurations });
      const keyed = await t.driver.insertJobs(jobs.slice(3), { estimatedDurations });
      const returned = [...unkeyed, ...keyed];
      expect(returned.map((job) => job.id)).toEqual(jobs.map((job) => job.id));
      expect(returned.map((job) => [job.fileName, job.fileSize, job.format, job.estimatedDuration])).toEqual([
        [`${t.fileId}.txt`, 7n, 'txt', null],
        [`${pdf}.txt`, 2_048n, 'pdf', 1_500],
        [`${t.fileId}.txt`, 7n, 'txt', null],
        [`${pdf}.txt`, 2_048n, 'pdf', 1_500],
      ]);
      for (const job of returned) expect(job).toEqual(await jobRow(job.id));
    });

    it("copies the right file into each job whatever the characters of the files' ids", async () => {
      // U+1F600 is a surrogate pair in UTF-16, which sorts it before U+FF01; in UTF-8 bytes it sorts after.
      const ids = ['file_\u{1F600}', 'file_\uFF01', 'file_a'];
      const sizes = [1n, 2n, 3n];
      for (const [index, id] of ids.entries()) await storedFile(t.db, null, { id, size: sizes[index] });
      const jobs = [...ids, ...ids.slice().reverse()].map((fileId) => newJob(fileId));
      const returned = await t.driver.insertJobs(jobs);
      expect(returned.map((job) => [job.fileId, job.fileName, job.fileSize])).toEqual(
        jobs.map((job) => [job.fileId, `${job.fileId}.txt`, sizes[ids.indexOf(job.fileId)]]),
      );
      for (const job of returned) expect(job).toEqual(await jobRow(job.id));
    });

    it("inserts nothing when a file is missing or not the owner's, and names each such file once", async () => {
      const alice = await storedFile(t.db, 'alice');
      const bob = await storedFile(t.db, 'bob');
      const notAlices = t.driver.insertJobs([newJob(alice), newJob(bob), newJob(bob)], { owner: 'alice' });
      await expect(notAlices).rejects.toThrow(new UnknownFilesError([bob]));
      await expect(notAlices).rejects.toBeInstanceOf(UnknownFilesError);
      const missing = [newJob(alice), newJob('file_missing'), newJob(bob)];
      await expect(t.driver.insertJobs(missing, { owner: 'alice' })).rejects.toThrow(
        new UnknownFilesError(['file_missing', bob]),
      );
      expect(await t.db.processingJob.count()).toBe(0);
      // Control: alice's own file goes in for her, and bob's when no owner is given.
      await t.driver.insertJobs([newJob(alice)], { owner: 'alice' });
      await t.driver.insertJobs([newJob(bob)]);
      expect(await t.db.processingJob.count()).toBe(2);
    });
  });

  describe('findFiles', () => {
    it("returns the requested files, restricted to the owner's unless the owner is undefined", async () => {
      const alice = await storedFile(t.db, 'alice');
      const bob = await storedFile(t.db, 'bob');
      const ids = [alice, bob, t.fileId, 'file_missing'];
      expect(idsOf(await t.driver.findFiles(ids, 'alice'))).toEqual([alice]);
      expect(idsOf(await t.driver.findFiles(ids, null))).toEqual([t.fileId]);
      expect(idsOf(await t.driver.findFiles(ids, undefined))).toEqual([alice, bob, t.fileId].sort());
      const [found] = await t.driver.findFiles([bob], undefined);
      expect(found).toEqual(await t.db.storedFile.findUniqueOrThrow({ where: { id: bob } }));
    });
  });

  describe('findJobs', () => {
    it('returns the jobs among the ids, leaving missing ones out', async () => {
      const jobs = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId), newJob(t.fileId)]);
      const found = await t.driver.findJobs([jobs[2].id, 'job_missing', jobs[0].id]);
      expect(idsOf(found)).toEqual(idsOf([jobs[0], jobs[2]]));
      for (const job of found) expect(job).toEqual(await jobRow(job.id));
    });
  });

  describe('databaseTime', () => {
    it("is the database's time, which on this machine falls within the call", async () => {
      const before = Date.now();
      const time = (await t.driver.databaseTime()).getTime();
      expect(time).toBeGreaterThanOrEqual(before - 5); // PostgreSQL keeps microseconds; JavaScript reads milliseconds
      expect(time).toBeLessThanOrEqual(Date.now() + 5);
    });
  });

  describe('msUntilNextDue', () => {
    it("is null without claimable jobs, else the time until the earliest PENDING or RETRYING job, by the database's clock", async () => {
      expect(await t.driver.msUntilNextDue()).toBeNull();
      const now = Date.now();
      const [processing, retrying] = await t.driver.insertJobs([
        newJob(t.fileId, { availableAt: new Date(now - HOUR) }),
        newJob(t.fileId, { availableAt: new Date(now + HOUR / 2) }),
        newJob(t.fileId, { availableAt: new Date(now + HOUR) }),
      ]);
      await t.db.processingJob.update({ where: { id: processing.id }, data: { status: 'PROCESSING' } });
      await t.db.processingJob.update({ where: { id: retrying.id }, data: { status: 'RETRYING' } });
      // The database's clock and this process's are one here, give or take the calls' time and rounding.
      const untilDue = async (dueAt: number) => {
        const before = Date.now();
        const ms = await t.driver.msUntilNextDue();
        return { ms: ms!, bounds: [dueAt - Date.now() - 5, dueAt - before + 5] };
      };
      const half = await untilDue(now + HOUR / 2);
      expect(half.ms).toBeGreaterThanOrEqual(half.bounds[0]);
      expect(half.ms).toBeLessThanOrEqual(half.bounds[1]);
      await t.db.processingJob.update({ where: { id: retrying.id }, data: { status: 'FAILED' } });
      const whole = await untilDue(now + HOUR);
      expect(whole.ms).toBeGreaterThanOrEqual(whole.bounds[0]);
      expect(whole.ms).toBeLessThanOrEqual(whole.bounds[1]);
    });

    it('is 0 or less for a job already due', async () => {
      await t.driver.insertJobs([newJob(t.fileId, { availableAt: new Date(Date.now() - HOUR) })]);
      expect(await t.driver.msUntilNextDue()).toBeLessThanOrEqual(-HOUR + 1000);
    });
  });

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
      await t.db.processingJob.update({ where: { id: retrying.id }, data: { status: 'RETRYING' } });
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
      await t.db.processingJob.update({
        where: { id: job.id },
        data: {
          status: 'RETRYING',
          stage: 'PARSING',
          progress: 40,
          bytesProcessed: 123n,
          leaseOwner: 'worker-z',
          cancelRequestedAt: new Date(),
          updatedAt: new Date(0),
        },
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
      const owners = await t.db.processingJob.groupBy({ by: ['leaseOwner'], _count: true });
      expect(owners.reduce((sum, row) => sum + row._count, 0)).toBe(200);
      const aHolds = first.flat().length;
      expect(owners.find((row) => row.leaseOwner === 'worker-a')?._count ?? 0).toBe(aHolds);
    });
  });

  describe('completeMany', () => {
    it('commits only the jobs the worker still holds', async () => {
      const [kept, taken, cancelled] = await t.driver.insertJobs([
        newJob(t.fileId),
        newJob(t.fileId),
        newJob(t.fileId),
      ]);
      await t.db.processingJob.update({ where: { id: kept.id }, data: { nextAttemptManual: true } });
      await t.driver.claim('worker-a', 3, LEASE_MS);
      await t.db.processingJob.update({ where: { id: taken.id }, data: { leaseOwner: 'worker-b' } });
      await t.db.processingJob.update({
        where: { id: cancelled.id },
        data: { status: 'CANCELLED', leaseOwner: null, leaseExpiresAt: null },
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
        // The completed attempt has no row: the job keeps its worker and manual flag (jobs/attempt-on-job.ts).
        leaseOwner: 'worker-a',
        nextAttemptManual: true,
        leaseExpiresAt: null,
      });
      expect((await jobRow(kept.id)).completedAt).toBeInstanceOf(Date);
      expect(await t.db.jobAttempt.count()).toBe(0);
      expect(await jobRow(taken.id)).toMatchObject({ status: 'PROCESSING', leaseOwner: 'worker-b', result: null });
      expect((await jobRow(cancelled.id)).status).toBe('CANCELLED');
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
      await t.db.processingJob.update({ where: { id: taken.id }, data: { leaseOwner: 'worker-b' } });
      await t.db.processingJob.update({ where: { id: cancelling.id }, data: { cancelRequestedAt: new Date() } });
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
        t.db.processingJob.update({ where: { id }, data: { leaseExpiresAt: new Date(now - agoMs), status } });
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
    it("saves a held job's stage, progress and bytes, and leaves a job the worker no longer holds alone", async () => {
      const [held, taken] = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId)]);
      await t.driver.claim('worker-a', 2, LEASE_MS);
      await t.db.processingJob.update({ where: { id: taken.id }, data: { leaseOwner: 'worker-b' } });
      const before = (await jobRow(held.id)).updatedAt.getTime();
      const progress = { stage: ProcessingStage.READING, progress: 40, bytesProcessed: 1234 };
      await t.driver.saveProgress(held.id, 'worker-a', progress);
      await t.driver.saveProgress(taken.id, 'worker-a', progress);
      const saved = await jobRow(held.id);
      expect(saved).toMatchObject({ stage: 'READING', progress: 40, bytesProcessed: 1234n });
      expect(saved.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(await jobRow(taken.id)).toMatchObject({ stage: 'QUEUED', progress: 0, bytesProcessed: 0n });
    });
  });

  describe('saveExtraction', () => {
    it("saves a held job's text, metadata and result; null metadata keeps the job's; a job not held is left alone", async () => {
      const [held, kept, taken] = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId), newJob(t.fileId)]);
      await t.driver.claim('worker-a', 3, LEASE_MS);
      await t.db.processingJob.update({ where: { id: kept.id }, data: { metadata: { pages: 9 } } });
      await t.db.processingJob.update({ where: { id: taken.id }, data: { leaseOwner: 'worker-b' } });
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
