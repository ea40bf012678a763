import { Pool } from 'pg';
import { queuePoolConfig } from '../../src/job-queue/database/postgres/postgres-connection';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { waitFor } from '../support/test-app';

/** The queue pool's settings with a short idle timeout, so that an idle spell takes milliseconds, not 10 s. */
const IDLE_MS = 50;

const backendOf = async (pool: Pool) =>
  (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')).rows[0].pid;

/**
 * The queue pool keeps one connection through an idle spell: a connection the pool closed made the next claim open a
 * backend and prepare and plan itself again (17.9 ms instead of 1.6 after 11 s idle). The control is the same pool
 * without `min`, idling after it: once it has closed all of its connections, the queue pool has idled longer.
 * (Checked the other way: with `min` left out of queuePoolConfig, the queue pool is found empty too.)
 */
describePostgres('The queue pool (PostgreSQL)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('keeps one of its connections, the same backend, however long it idles', async () => {
    const queuePool = new Pool({ ...queuePoolConfig(database.url), idleTimeoutMillis: IDLE_MS });
    const control = new Pool({ ...queuePoolConfig(database.url), min: 0, idleTimeoutMillis: IDLE_MS });
    try {
      // The control's burst ends after the queue pool's, so its idle timers run out after the queue pool's do.
      const busy = await Promise.all([1, 2, 3].map(() => backendOf(queuePool)));
      expect(queuePool.totalCount).toBe(3);
      await Promise.all([1, 2, 3].map(() => backendOf(control)));
      expect(control.totalCount).toBe(3);

      await waitFor(() => control.totalCount === 0); // every connection it opened closed, as an idle pool does

      expect(queuePool.totalCount).toBe(1);
      expect(busy).toContain(await backendOf(queuePool));
    } finally {
      await Promise.all([queuePool.end(), control.end()]);
    }
  });
});
