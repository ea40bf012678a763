import { type DriverUnderTest, newJob, storedFile } from '../../support/driver-harness';

const HOUR = 3_600_000;

/** The cleanup's statements: finished jobs past retention, then the files no job refers to any more. */
export function cleanupCases(t: DriverUnderTest): void {
  describe('deleteFinishedJobs', () => {
    it('deletes terminal jobs finished before the cutoff with their attempts, at most `limit` at a time', async () => {
      const now = Date.now();
      const jobs = await t.driver.insertJobs([1, 2, 3, 4, 5].map(() => newJob(t.fileId)));
      const [completed, failed, cancelled, recent, pending] = jobs.map((job) => job.id);
      const finish = (id: string, status: string, agoMs: number) =>
        t.driver.records.overwriteJob(id, { status, completedAt: new Date(now - agoMs) });
      await finish(completed, 'COMPLETED', 3 * HOUR);
      await finish(failed, 'FAILED', 2 * HOUR);
      await finish(cancelled, 'CANCELLED', 2 * HOUR);
      await finish(recent, 'COMPLETED', HOUR / 2); // control: inside the retention window
      await t.driver.records.overwriteJob(pending, { completedAt: new Date(now - 3 * HOUR) }); // control: not terminal
      await t.db.jobAttempt.create({
        data: { id: `${failed}:1`, jobId: failed, number: 1, workerId: 'w', startedAt: new Date(now - 3 * HOUR) },
      });

      const cutoff = new Date(now - HOUR);
      const first = await t.driver.deleteFinishedJobs(cutoff, 2);
      const second = await t.driver.deleteFinishedJobs(cutoff, 2);
      expect([first.length, second.length]).toEqual([2, 1]);
      expect([...first, ...second]).toEqual([t.fileId, t.fileId, t.fileId]);
      expect(await t.driver.deleteFinishedJobs(cutoff, 2)).toEqual([]);
      const left = (await t.driver.records.listJobs({}, 10, null)).jobs;
      expect(left.map((job) => job.id).sort()).toEqual([recent, pending].sort());
      expect(await t.db.jobAttempt.count({ where: { jobId: failed } })).toBe(0);
    });
  });

  describe('deleteUnusedFiles', () => {
    it('deletes the rows of the listed files no job refers to, and returns them', async () => {
      const unused = await storedFile(t.db, null);
      const unlisted = await storedFile(t.db, null);
      await t.driver.insertJobs([newJob(t.fileId)]); // t.fileId stays in use
      const deleted = await t.driver.deleteUnusedFiles([t.fileId, unused, 'file_missing']);
      expect(deleted).toEqual([{ id: unused, storagePath: `${unused}.txt` }]);
      const left = await t.db.storedFile.findMany({ select: { id: true } });
      expect(left.map((file) => file.id).sort()).toEqual([t.fileId, unlisted].sort());
      expect(await t.driver.deleteUnusedFiles([])).toEqual([]);
    });
  });
}
