import { Pool } from 'pg';
import { loadMigrations, migratePostgres } from '../../src/job-queue/database/migrator';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';

const STATE_APART = '20261206100000_job_state_apart';

/** Every job as processing_jobs shows it (a table before the migration, a view after), in id order, as JSON. */
const jobsAsRead = async (pool: Pool) =>
  (await pool.query<{ job: unknown }>('SELECT to_jsonb(job) AS job FROM processing_jobs AS job ORDER BY id')).rows;

const talliesOf = async (pool: Pool) =>
  (
    await pool.query<{ key: string; count: string }>(
      `SELECT status || '/' || format || '/' || priority AS key, sum(count)::text AS count FROM job_counts
        GROUP BY status, format, priority HAVING sum(count) <> 0 ORDER BY 1`,
    )
  ).rows;

/**
 * Migration 20261206100000_job_state_apart on a database with jobs in every state: an instance upgrading keeps every
 * job exactly as it was (every column, through the view that replaces the table), the tallies as they were, and the
 * queue's writes keep them exact afterwards.
 */
describePostgres('The migration that keeps a job state apart from its record (PostgreSQL)', () => {
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new Pool({ connectionString: database.url });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('moves every job and its tallies over unchanged, and the tables it leaves stay consistent', async () => {
    const migrations = loadMigrations('postgresql');
    const before = migrations.findIndex((migration) => migration.name === STATE_APART);
    expect(before).toBeGreaterThan(0);
    await migratePostgres(pool, migrations.slice(0, before));
    await pool.query(`INSERT INTO stored_files (id, original_name, size, format, checksum, storage_path, user_id)
                      VALUES ('f1', 'a.txt', 10, 'txt', '-', '-', 'u1')`);
    await pool.query(`
      INSERT INTO processing_jobs (id, file_id, file_name, file_size, format, status, stage, progress, bytes_processed,
                                   priority, options, result, metadata, extracted_text, error_code, error_message,
                                   error_recoverable, attempt_count, retry_count, max_retries, last_retry_at,
                                   next_retry_at, run_at, available_at, idempotency_key, next_attempt_manual,
                                   lease_owner, lease_expires_at, cancel_requested_at, estimated_duration,
                                   actual_duration, created_at, started_at, completed_at, updated_at, user_id,
                                   trace_context)
      SELECT 'job' || n, 'f1', 'a.txt', 10, 'txt', status, 'READING', n, n * 10, 1 + n % 3, '{"k": 1}', '{"r": 2}',
             '{"m": 3}', 'text ' || n, 'CODE' || n, 'message', n % 2 = 0, n, n % 2, 3, now(), now(), now(), now(),
             'key' || n, n % 2 = 1, 'worker', now() + interval '1 minute', now(), 100, 200,
             now() - n * interval '1 second', now(), now(), now(), CASE WHEN n % 2 = 0 THEN 'u1' END, 'trace'
        FROM unnest(ARRAY['PENDING', 'RETRYING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED']) WITH ORDINALITY
          AS s(status, n)`);
    const jobs = await jobsAsRead(pool);
    const tallies = await talliesOf(pool);
    expect(jobs).toHaveLength(6);
    expect(tallies).toHaveLength(6);

    expect(await migratePostgres(pool, migrations)).toEqual([
      STATE_APART,
      ...migrations.slice(before + 1).map((m) => m.name),
    ]);

    expect(await jobsAsRead(pool)).toEqual(jobs);
    expect(await talliesOf(pool)).toEqual(tallies);
    // Control: the view reads each job's state, not a copy of the record's old one.
    await pool.query(`UPDATE job_states SET status = 'COMPLETED' WHERE id = 'job1'`);
    const [moved] = (await jobsAsRead(pool)).filter((row) => (row.job as { id: string }).id === 'job1');
    expect(moved.job).toMatchObject({ id: 'job1', status: 'COMPLETED', file_name: 'a.txt', user_id: null });
    expect(await talliesOf(pool)).toEqual(
      tallies
        .map((tally) =>
          tally.key === 'COMPLETED/txt/2' ? { ...tally, count: String(Number(tally.count) + 1) } : tally,
        )
        .filter((tally) => tally.key !== 'PENDING/txt/2'),
    );
    // Each table holds one row a job, and a delete through the view takes both with the job's attempts.
    await pool.query(`INSERT INTO job_attempts (id, job_id, number, started_at) VALUES ('job4:1', 'job4', 1, now())`);
    await pool.query(`DELETE FROM processing_jobs WHERE id = 'job4'`);
    const { rows } = await pool.query<{ records: string; states: string; attempts: string }>(
      `SELECT (SELECT count(*) FROM job_records)::text AS records, (SELECT count(*) FROM job_states)::text AS states,
              (SELECT count(*) FROM job_attempts)::text AS attempts`,
    );
    expect(rows[0]).toEqual({ records: '5', states: '5', attempts: '0' });
  });
});
