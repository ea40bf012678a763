import { UnknownFilesError } from '../../../src/job-queue/database/queue-store';
import { type DriverUnderTest, idsOf, jobOf, newJob, storedFile } from '../../support/driver-harness';

/**
 * The queue's statements that enqueue and read (QueueStore): one describe per operation. A case seeds what it needs
 * (the database is emptied before each) and checks exact outcomes beside a control that would differ if the driver
 * got it wrong. The claim and what follows it: claim-and-run.cases.ts.
 */
const HOUR = 3_600_000;

export function enqueueAndReadCases(t: DriverUnderTest): void {
  const jobRow = (id: string) => jobOf(t, id);

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
      expect(await t.driver.records.countJobs({})).toBe(2);
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
      expect(await t.driver.records.countJobs({})).toBe(0);
      // Control: alice's own file goes in for her, and bob's when no owner is given.
      await t.driver.insertJobs([newJob(alice)], { owner: 'alice' });
      await t.driver.insertJobs([newJob(bob)]);
      expect(await t.driver.records.countJobs({})).toBe(2);
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
      await t.driver.records.overwriteJob(processing.id, { status: 'PROCESSING' });
      await t.driver.records.overwriteJob(retrying.id, { status: 'RETRYING' });
      // The database's clock and this process's are one here, give or take the calls' time and rounding.
      const untilDue = async (dueAt: number) => {
        const before = Date.now();
        const ms = await t.driver.msUntilNextDue();
        return { ms: ms!, bounds: [dueAt - Date.now() - 5, dueAt - before + 5] };
      };
      const half = await untilDue(now + HOUR / 2);
      expect(half.ms).toBeGreaterThanOrEqual(half.bounds[0]);
      expect(half.ms).toBeLessThanOrEqual(half.bounds[1]);
      await t.driver.records.overwriteJob(retrying.id, { status: 'FAILED' });
      const whole = await untilDue(now + HOUR);
      expect(whole.ms).toBeGreaterThanOrEqual(whole.bounds[0]);
      expect(whole.ms).toBeLessThanOrEqual(whole.bounds[1]);
    });

    it('is 0 or less for a job already due', async () => {
      await t.driver.insertJobs([newJob(t.fileId, { availableAt: new Date(Date.now() - HOUR) })]);
      expect(await t.driver.msUntilNextDue()).toBeLessThanOrEqual(-HOUR + 1000);
    });
  });
}
