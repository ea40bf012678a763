import { Client } from 'pg';
import { INSERT_UNKEYED_SQL, insertValues } from '../../src/job-queue/database/postgres-insert-statement';
import { DELETE_UNUSED_FILES_SQL, LOCK_FILES_SQL } from '../../src/job-queue/database/postgres-queue-statements';
import { UnknownFilesError } from '../../src/job-queue/database/queue-store';
import { describePostgres } from '../support/database';
import { newJob, storedFile, useDriverUnderTest } from '../support/driver-harness';
import { waitFor } from '../support/test-app';

/**
 * PostgreSQL has no foreign key from jobs to files (migration 20261202100000_job_file_checked_once): the insert locks
 * the files it names and the delete of unused files locks them first. Each case holds one side's transaction open on
 * a connection of its own and runs the other side through the driver, which must wait for it and then do the right
 * thing: no job ever names a deleted file. Without the locks, the first case deletes the file in use and the second
 * inserts a job for a file that is gone.
 */
describePostgres('Deleting unused files while jobs are inserted (PostgreSQL)', () => {
  const t = useDriverUnderTest();
  let holder: Client;

  beforeEach(async () => {
    holder = new Client({ connectionString: t.database.url });
    await holder.connect();
  });

  afterEach(async () => {
    await holder.end();
  });

  /**
   * Resolves with the backend of the test database that waits for a lock (the one `holder` has); fails if `side`
   * ends first.
   */
  const waitsForTheHolder = (side: Promise<unknown>) =>
    Promise.race([
      waitFor(async () => {
        const { rows } = await holder.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0]?.pid;
      }),
      side.then(
        () => Promise.reject(new Error('finished without waiting for the transaction held open')),
        () => Promise.reject(new Error('failed without waiting for the transaction held open')),
      ),
    ]);

  const jobsOf = async (fileId: string) => (await t.db.processingJob.findMany({ where: { fileId } })).length;
  const fileExists = async (fileId: string) => (await t.db.storedFile.count({ where: { id: fileId } })) === 1;

  it('keeps a file whose job is being inserted, and deletes the unused one beside it', async () => {
    const unused = await storedFile(t.db, null);
    await holder.query('BEGIN');
    await holder.query(INSERT_UNKEYED_SQL, insertValues([newJob(t.fileId)], {}));

    const deleting = t.driver.deleteUnusedFiles([t.fileId, unused]);
    await waitsForTheHolder(deleting);
    await holder.query('COMMIT');

    expect(await deleting).toEqual([{ id: unused, storagePath: `${unused}.txt` }]);
    expect(await fileExists(t.fileId)).toBe(true);
    expect(await jobsOf(t.fileId)).toBe(1);
  });

  it('fails an insert whose file is deleted while it waits, as for a missing file, and inserts none of its jobs', async () => {
    const other = await storedFile(t.db, null);
    await holder.query('BEGIN');
    await holder.query(LOCK_FILES_SQL, [[t.fileId]]);
    const { rows } = await holder.query<{ id: string }>(DELETE_UNUSED_FILES_SQL, [[t.fileId]]);
    expect(rows.map((row) => row.id)).toEqual([t.fileId]);

    const inserting = t.driver.insertJobs([newJob(other), newJob(t.fileId)]);
    await waitsForTheHolder(inserting);
    await holder.query('COMMIT');

    const error = await inserting.then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(UnknownFilesError);
    expect((error as UnknownFilesError).fileIds).toEqual([t.fileId]);
    expect(await t.db.processingJob.count()).toBe(0);
    expect(await fileExists(other)).toBe(true);
  });

  it('fails the delete, and does not put its broken connection back, when the connection is lost while it waits', async () => {
    await holder.query('BEGIN');
    await holder.query(INSERT_UNKEYED_SQL, insertValues([newJob(t.fileId)], {}));
    const deleting = t.driver.deleteUnusedFiles([t.fileId]);
    const waiter = await waitsForTheHolder(deleting);
    await holder.query('SELECT pg_terminate_backend($1)', [waiter]);

    await expect(deleting).rejects.toThrow(/terminat/);
    await holder.query('ROLLBACK');
    expect(await fileExists(t.fileId)).toBe(true);
    expect(await t.driver.deleteUnusedFiles([t.fileId])).toEqual([{ id: t.fileId, storagePath: `${t.fileId}.txt` }]);
  });
});
