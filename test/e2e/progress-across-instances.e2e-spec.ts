import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  type FileProcessorHandler,
  type ProcessingContext,
  ProcessingStage,
} from '../../src/job-queue';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';
import { attemptsOf } from '../support/queue-helpers';
import { watchThenRun } from '../support/watched-run';

/** Runs until its job is cancelled. */
@Injectable()
@FileProcessor('stuck')
class StuckProcessor implements FileProcessorHandler {
  async process({ progress, signal }: ProcessingContext): Promise<never> {
    progress.stage(ProcessingStage.READING);
    return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
  }
}

/** Far enough ahead that only watchThenRun makes the job due. */
const NOT_DUE_MS = 3_600_000;

describePostgres('Progress and cancellation across instances (PostgreSQL LISTEN/NOTIFY)', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
    worker = await startTestApp(database, { providers: [StuckProcessor], queue: { pollIntervalMs: 60_000 } });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await database?.drop();
  });

  const enqueueOnApi = async (name: string, content: string, delayMs: number): Promise<string> => {
    const file = await api.app.get(FileStorageService).store(Readable.from([content]), name, ANONYMOUS_ADMIN);
    const runAt = new Date(Date.now() + delayMs).toISOString();
    const { data } = await api.gql(
      `mutation($f: ID!, $r: DateTime) { enqueueJob(input: { fileId: $f, runAt: $r }) { id } }`,
      { f: file.id, r: runAt },
    );
    return data.enqueueJob.id;
  };

  it('delivers every stage of a job run by the worker instance to a subscriber on the API instance', async () => {
    const content = 'line of text\n'.repeat(400_000);
    const jobId = await enqueueOnApi('remote.txt', content, NOT_DUE_MS);
    const updates = await (await watchThenRun(api, worker, jobId)).finished;
    expect([...new Set(updates.map((update) => update.stage))]).toEqual([
      'QUEUED',
      'VALIDATING',
      'READING',
      'EXTRACTING',
      'ANALYZING',
      'FINALIZING',
      'COMPLETED',
    ]);
    expect(updates.at(-1)).toMatchObject({
      status: 'COMPLETED',
      progress: 100,
      bytesProcessed: Buffer.byteLength(content),
    });
    const attempts = await attemptsOf(api.prisma.client, [jobId]);
    expect(attempts.map((attempt) => attempt.workerId)).toEqual([expect.stringContaining(`:${process.pid}:`)]);
  });

  it('stops a job on the worker instance when cancelJob reaches the API instance', async () => {
    const jobId = await enqueueOnApi('remote.stuck', 'x', 0);
    await waitFor(
      async () => (await api.prisma.client.processingJob.findUnique({ where: { id: jobId } }))?.status === 'PROCESSING',
    );
    const run = subscribe(api.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress');
    await run.firstUpdate;
    const { data, errors } = await api.gql(`mutation($id: ID!) { cancelJob(id: $id) { status } }`, { id: jobId });
    expect(errors).toBeUndefined();
    // cancelJob answers once the worker settled, or PROCESSING after its 3-s wait (CANCEL_WAIT_MS): CANCELLED means
    // the worker instance acted on the cancel event, not on its next lease renewal (every 10 s here).
    expect(data.cancelJob.status).toBe('CANCELLED');
    expect((await run.finished).at(-1)).toMatchObject({ status: 'CANCELLED' });
  });
});
