import { ANONYMOUS_ADMIN, JobPriority, JobsService } from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { storeFile } from '../support/queue-helpers';
import { within } from '../support/slow-host-process';
import {
  type Server,
  spawnServer,
  START_TIMEOUT_MS,
  startWorkerProcess,
  stopServer,
} from '../support/standalone-server';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/**
 * `npm run start:worker` (src/worker-main.ts) beside a server that only serves the API: it runs the jobs the server
 * enqueued, logs as the server does, and stops on SIGTERM; a bad setting stops it before it starts.
 */
describe(`The standalone worker process (${databaseLabel})`, () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: Server | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
  });

  afterAll(async () => {
    await stopServer(worker);
    await api?.close();
    await database?.drop();
  });

  it(
    'runs the jobs an API-only server enqueued with the built-in processors, logging each as JSON, and exits on SIGTERM',
    async () => {
      // WORKERS_ENABLED=false (meant for the API servers sharing the environment) does not turn its workers off.
      // SQLite has no cross-process wake-up: the worker finds the job by polling.
      worker = await startWorkerProcess(database, { WORKERS_ENABLED: 'false', POLL_INTERVAL_MS: '100' });
      const fileId = await storeFile(api.app, 'notes.txt', 'one line\nand another\n');
      const job = await api.app.get(JobsService).enqueue({ fileId, priority: JobPriority.NORMAL }, ANONYMOUS_ADMIN);

      const done = await waitFor(async () => {
        const row = await api.prisma.client.processingJob.findUniqueOrThrow({ where: { id: job.id } });
        return row.status === 'COMPLETED' ? row : null;
      }, 30_000);
      expect(done.leaseOwner).toContain(`:${worker.child.pid}:`);
      expect(done.metadata).toMatchObject({ lines: 2, encoding: 'utf-8' });
      // The line is written once the completion committed, so it may reach this process after the row read above.
      const logged = () => worker!.lines.filter((line) => line.jobId === job.id).map((line) => line.msg);
      await waitFor(() => logged().includes('Job completed'), 10_000);
      expect(logged()).toEqual(['Job started', 'Job completed']);

      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        worker!.child.once('exit', (_, signal) => resolve(signal)),
      );
      worker.child.kill('SIGTERM');
      expect(await within(exited, 30_000, 'the worker process to exit')).toBe('SIGTERM');
      expect(worker.lines.filter((line) => line.level >= 50)).toEqual([]); // no error logged
    },
    START_TIMEOUT_MS,
  );

  it(
    'refuses a bad setting before it starts, naming the variable',
    async () => {
      const child = spawnServer(database, { WORKER_CONCURRENCY: '0', LOG_LEVEL: 'loud' }, [], 'src/worker-main.ts');
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = await within(
        new Promise<number | null>((resolve) => child.once('exit', resolve)),
        START_TIMEOUT_MS - 10_000,
        'the worker process to exit',
      ).finally(() => child.kill('SIGKILL'));
      expect(code).toBe(1);
      expect(output).toContain('WORKER_CONCURRENCY');
      expect(output).toContain('LOG_LEVEL must be one of');
      expect(output).not.toContain('started with concurrency');
    },
    START_TIMEOUT_MS,
  );
});
