import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { JobStatus } from '../../src/job-queue';
import { Sweep, SweepLock } from '../../src/job-queue/monitoring/sweep-lock';
import type { TestDatabase } from '../support/database';
import {
  describePrivatePostgres,
  type PrivatePostgres,
  privateTestDatabase,
  startPrivatePostgres,
} from '../support/private-postgres';
import { enqueueJobs, jobState, recordingProcessor, storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** The backend holding a sweep's advisory lock (a bigint key shows in pg_locks as classid, objid). */
const LOCK_HOLDER = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
                       AND ((classid::bigint << 32) | objid::bigint) = $1`;

/**
 * A sweep holds its advisory lock on a connection checked out of the pool, where pg emits a lost connection as an
 * 'error' event: unheard, it killed the process (seen in a 15 s outage, and with pg_terminate_backend).
 */
describePrivatePostgres('A sweep whose lock connection is killed (private PostgreSQL)', () => {
  let cluster: PrivatePostgres;
  let database: TestDatabase;
  let service: TestApp;
  let admin: Client;
  const noop = recordingProcessor('noop');

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    database = await privateTestDatabase(cluster, 'sweep_lock');
    service = await startTestApp(database, { providers: [noop.processor], queue: { healthCheckIntervalMs: 600_000 } });
    admin = new Client({ connectionString: cluster.url() });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await service?.close();
    await database?.drop();
    cluster?.destroy();
  });

  it('survives: the sweep ends, the instance keeps serving and finishing jobs, and the next sweep takes the lock', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const lock = service.app.get(SweepLock);
    let finishSweep!: () => void;
    const sweepWork = new Promise<void>((resolve) => (finishSweep = resolve));
    const sweep = lock.runExclusive(Sweep.CLEANUP, () => sweepWork.then(() => 'swept'));

    const holder = await waitFor(
      async () => (await admin.query<{ pid: number }>(LOCK_HOLDER, [Sweep.CLEANUP])).rows[0]?.pid,
    );
    await admin.query('SELECT pg_terminate_backend($1)', [holder]);
    await waitFor(() => warnings.mock.calls.some(([message]) => /CLEANUP lock was lost/.test(String(message))));
    finishSweep();
    expect(await sweep).toBe('swept');

    const fileId = await storeFile(service.app, 'after.noop');
    const [job] = await enqueueJobs(service.app, fileId, 1);
    await waitFor(async () => (await jobState(service.prisma.client, job.id)).status === JobStatus.COMPLETED);
    expect(await lock.runExclusive(Sweep.CLEANUP, async () => 'swept again')).toBe('swept again');
    expect((await admin.query(LOCK_HOLDER, [Sweep.CLEANUP])).rows).toEqual([]); // released after the second sweep
  });
});
