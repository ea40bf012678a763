import request from 'supertest';
import { JobStatus } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { attemptsOf, jobState, recordingProcessor } from '../support/queue-helpers';
import { type SlowHost, spawnSlowHost, within } from '../support/slow-host-process';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

describe(`A killed instance's job is recovered (${databaseLabel})`, () => {
  let database: TestDatabase;
  let host: SlowHost | undefined;
  let survivor: TestApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    if (host?.process.exitCode === null && host.process.signalCode === null) host.process.kill('SIGKILL');
    await survivor?.close();
    await database?.drop();
  });

  it('kill -9 during processing: a restarted instance recovers the job as STALLED, and it completes', async () => {
    host = spawnSlowHost(database, { STALLED_JOB_THRESHOLD_MS: '1500', HEALTH_CHECK_INTERVAL_MS: '600000' });
    const port = await host.ready;
    const upload = await request(`http://127.0.0.1:${port}`)
      .post('/files')
      .attach('file', Buffer.from('work'), 'doomed.slow')
      .expect(201);
    const jobId: string = upload.body.job.id;

    await waitFor(async () => {
      const { body } = await request(`http://127.0.0.1:${port}`)
        .post('/graphql')
        .send({ query: `{ job(id: "${jobId}") { status } }` });
      return body.data.job.status === JobStatus.PROCESSING;
    }, 15_000);

    const quick = recordingProcessor('slow');
    survivor = await startTestApp(database, {
      providers: [quick.processor],
      queue: { stalledJobThresholdMs: 1500, healthCheckIntervalMs: 300, pollIntervalMs: 200 },
    });
    const running = await jobState(survivor.prisma.client, jobId);
    expect(running.leaseOwner).toContain(`:${host.process.pid}:`);

    host.process.kill('SIGKILL');
    expect(await within(host.exited, 10_000, 'the killed host to exit')).toEqual({ code: null, signal: 'SIGKILL' });
    expect((await jobState(survivor.prisma.client, jobId)).status).toBe(JobStatus.PROCESSING); // nobody released it

    await waitFor(async () => (await jobState(survivor!.prisma.client, jobId)).status === JobStatus.COMPLETED, 20_000);
    const finished = await jobState(survivor.prisma.client, jobId);
    expect(finished.attempts).toEqual([
      { number: 1, outcome: 'RETRYING', finished: true, workerId: running.leaseOwner },
      {
        number: 2,
        outcome: 'COMPLETED',
        finished: true,
        workerId: expect.not.stringContaining(`:${host.process.pid}:`),
      },
    ]);
    const attempts = await attemptsOf(survivor.prisma.client, [jobId]);
    expect(attempts.map((attempt) => attempt.errorCode)).toEqual(['STALLED', null]);
    expect(quick.log.calls.get(jobId)).toBe(1);
  }, 90_000);
});
