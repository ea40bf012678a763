import { Client } from 'pg';
import request from 'supertest';
import { JobStatus } from '../../src/job-queue';
import type { TestDatabase } from '../support/database';
import {
  describePrivatePostgres,
  type PrivatePostgres,
  privateTestDatabase,
  startPrivatePostgres,
} from '../support/private-postgres';
import { jobState, recordingProcessor } from '../support/queue-helpers';
import { type SlowHost, spawnSlowHost, within } from '../support/slow-host-process';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const CANCEL = `mutation($id: ID!) { cancelJob(id: $id) { status } }`;

/**
 * cancelJob on a running job used to be only an event. An instance that missed it (its LISTEN connection
 * reconnecting, the process frozen) ran the job on, and stalled recovery later made it RETRYING: a job the user
 * cancelled ran again. Here the worker is a separate process (test/support/slow-host.ts, a 10-minute processor)
 * that is frozen with SIGSTOP while its LISTEN connection is cut and the cancel is sent: it cannot see the event.
 */
describePrivatePostgres('A cancel the running instance misses (private PostgreSQL)', () => {
  let cluster: PrivatePostgres;
  let admin: Client;
  const hosts: SlowHost[] = [];
  const services: TestApp[] = [];
  const databases: TestDatabase[] = [];

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    admin = new Client({ connectionString: cluster.url() });
    await admin.connect();
  });

  afterAll(async () => {
    for (const host of hosts)
      if (host.process.exitCode === null && host.process.signalCode === null) host.process.kill('SIGKILL');
    await Promise.all(services.map((service) => service.close()));
    await admin?.end();
    await Promise.all(databases.map((database) => database.drop()));
    cluster?.destroy();
  });

  /** A worker process running one slow job, frozen; the cancel event sent while nothing of it listens. */
  async function cancelWhileFrozen(name: string, leaseMs: number, api: (database: TestDatabase) => Promise<TestApp>) {
    const database = await privateTestDatabase(cluster, name);
    databases.push(database);
    const host = spawnSlowHost(database, {
      STALLED_JOB_THRESHOLD_MS: String(leaseMs),
      HEALTH_CHECK_INTERVAL_MS: '600000',
    });
    hosts.push(host);
    const hostUrl = `http://127.0.0.1:${await host.ready}`;
    const upload = await request(hostUrl).post('/files').attach('file', Buffer.from('work'), 'long.slow').expect(201);
    const jobId: string = upload.body.job.id;
    const service = await api(database);
    services.push(service);
    const running = await waitFor(async () => {
      const state = await jobState(service.prisma.client, jobId);
      return state.status === JobStatus.PROCESSING ? state : null;
    });
    expect(running.leaseOwner).toContain(`:${host.process.pid}:`);

    host.process.kill('SIGSTOP');
    const listeners = `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`;
    await admin.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) AS listening`, [name]);
    const { data, errors } = await service.gql(CANCEL, { id: jobId });
    expect(errors).toBeUndefined();
    return { host, hostUrl, jobId, service, answered: data.cancelJob.status as string };
  }

  it('a worker alive but deaf to the event learns of the cancel at its next lease renewal: CANCELLED, never run again', async () => {
    const { host, jobId, service, answered } = await cancelWhileFrozen('missed_by_worker', 6_000, (database) =>
      startTestApp(database, { queue: { workersEnabled: false, healthCheckIntervalMs: 600_000 } }),
    );
    expect(answered).toBe(JobStatus.PROCESSING); // durable, not yet seen by the frozen worker
    expect(
      (await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id: jobId } })).cancelRequestedAt,
    ).not.toBeNull();

    host.process.kill('SIGCONT');
    await waitFor(async () => (await jobState(service.prisma.client, jobId)).status === JobStatus.CANCELLED, 20_000);
    const state = await jobState(service.prisma.client, jobId);
    expect(state.attempts).toEqual([{ number: 1, outcome: 'CANCELLED', finished: true, workerId: running(host) }]);
    expect(state.attemptCount).toBe(1);
  }, 90_000);

  it('a worker frozen past its lease: stalled recovery ends the job CANCELLED, not RETRYING, and no one runs it again', async () => {
    const quick = recordingProcessor('slow');
    const { host, hostUrl, jobId, service } = await cancelWhileFrozen('missed_while_frozen', 2_000, (database) =>
      // Started after the worker claimed the job: its own workers would run the job again if it came back.
      startTestApp(database, {
        providers: [quick.processor],
        queue: { stalledJobThresholdMs: 2_000, healthCheckIntervalMs: 300, pollIntervalMs: 200 },
      }),
    );
    await waitFor(async () => (await jobState(service.prisma.client, jobId)).status !== JobStatus.PROCESSING, 20_000);
    const recovered = await jobState(service.prisma.client, jobId);
    expect(recovered.status).toBe(JobStatus.CANCELLED);
    expect(recovered.attempts).toEqual([{ number: 1, outcome: 'CANCELLED', finished: true, workerId: running(host) }]);

    // Thawed, the old worker finds it no longer holds the job and writes nothing.
    host.process.kill('SIGCONT');
    await request(hostUrl).post('/graphql').send({ query: '{ __typename }' }).timeout(10_000).expect(200);
    host.process.kill('SIGTERM');
    await within(host.exited, 20_000, 'the thawed worker to exit');
    expect(await jobState(service.prisma.client, jobId)).toEqual(recovered);
    expect(quick.log.calls.get(jobId)).toBeUndefined();
  }, 90_000);
});

/** The worker id of a slow host process contains its pid. */
function running(host: SlowHost) {
  return expect.stringContaining(`:${host.process.pid}:`);
}
