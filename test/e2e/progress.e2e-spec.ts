import { Injectable } from '@nestjs/common';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  type FileProcessorHandler,
  type ProcessingContext,
  ProgressService,
  ProcessingStage,
  ReportStandardStages,
} from '../../src/job-queue';
import { ProgressRepository } from '../../src/job-queue/progress/progress.repository';
import { Readable } from 'node:stream';
import { databaseLabel } from '../support/database';
import { simulateWork } from '../support/signals';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';
import { asError } from '../../src/job-queue/common/as-error';

/** Reports thousands of byte counts over about a second, or waits to be cancelled. */
@Injectable()
@FileProcessor('chatty', 'stuck')
class ChattyProcessor implements FileProcessorHandler {
  async process({ job, progress, signal }: ProcessingContext) {
    if (job.format === 'stuck') {
      progress.stage(ProcessingStage.READING);
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(asError(signal.reason))));
    }
    progress.stage(ProcessingStage.READING);
    const total = Number(job.fileSize);
    for (let step = 1; step <= 5000; step++) {
      progress.bytes(Math.floor((total * step) / 5000));
      if (step % 500 === 0) await simulateWork(100);
    }
    progress.stage(ProcessingStage.ANALYZING);
    return { metadata: { steps: 5000 } };
  }
}

/** Reports nothing itself: the hook reports its stages and bytes; a service updater sets PARSING. */
@Injectable()
@FileProcessor('plain')
class PlainProcessor implements FileProcessorHandler {
  constructor(private readonly progress: ProgressService) {}

  @ReportStandardStages()
  async process({ job, openStream }: ProcessingContext) {
    let bytes = 0;
    for await (const chunk of openStream()) bytes += (chunk as Buffer).length;
    this.progress.updaterFor(job.id)({ stage: ProcessingStage.PARSING, message: 'counted' });
    return { metadata: { bytes } };
  }
}

describe(`Progress and subscriptions (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ providers: [ChattyProcessor, PlainProcessor] }, (started) => ({ service } = started));

  const storeFile = async (name: string, content: Buffer | string) =>
    (await service.app.get(FileStorageService).store(Readable.from([content]), name, ANONYMOUS_ADMIN)).id;

  const enqueue = async (fileId: string, delayMs = 0): Promise<string> => {
    const runAt = new Date(Date.now() + delayMs).toISOString();
    const { data, errors } = await service.gql(
      `mutation($fileId: ID!, $runAt: DateTime) { enqueueJob(input: { fileId: $fileId, runAt: $runAt }) { id } }`,
      { fileId, runAt },
    );
    expect(errors).toBeUndefined();
    return data.enqueueJob.id;
  };

  /** A job due in an hour: it cannot start before its test has subscribed, whatever the machine's load. */
  const enqueueHeld = (fileId: string) => enqueue(fileId, 3_600_000);
  /** Makes a held job due now; the worker's next poll claims it. */
  const release = (jobId: string) => service.prisma.driver.records.overwriteJob(jobId, { availableAt: new Date() });

  it('streams the progress of a large text file: monotonic, through the stages, bytes to the end, COMPLETED at 100', async () => {
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\n';
    const content = line.repeat(Math.ceil((24 * 1024 * 1024) / line.length));
    const fileSize = Buffer.byteLength(content);
    const jobId = await enqueueHeld(await storeFile('large.txt', content));
    const run = subscribe(service.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress');
    await run.firstUpdate;
    await release(jobId);
    const updates = await run.finished;

    expect(updates[0]).toMatchObject({ jobId, status: 'PENDING', stage: 'QUEUED', progress: 0, totalBytes: fileSize });
    const processing = updates.filter((update) => update.status === 'PROCESSING');
    for (let index = 1; index < processing.length; index++) {
      expect(processing[index].progress).toBeGreaterThanOrEqual(processing[index - 1].progress);
    }
    const stages = [...new Set(updates.map((update) => update.stage))];
    expect(stages).toEqual(['QUEUED', 'VALIDATING', 'READING', 'EXTRACTING', 'ANALYZING', 'FINALIZING', 'COMPLETED']);
    expect(processing.some((update) => update.bytesProcessed > 0 && update.bytesProcessed < fileSize)).toBe(true);
    expect(updates.at(-1)).toMatchObject({
      status: 'COMPLETED',
      stage: 'COMPLETED',
      progress: 100,
      bytesProcessed: fileSize,
    });
    expect(updates.filter((update) => update.status === 'COMPLETED')).toHaveLength(1);
  });

  it('reports the standard stages around a processor that reports nothing, and takes updates from an updater', async () => {
    const jobId = await enqueueHeld(await storeFile('quiet.plain', Buffer.alloc(3 * 1024 * 1024, 7)));
    const run = subscribe(service.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress');
    await run.firstUpdate;
    await release(jobId);
    const updates = await run.finished;
    expect([...new Set(updates.map((update) => update.stage))]).toEqual([
      'QUEUED',
      'VALIDATING',
      'READING',
      'PARSING',
      'FINALIZING',
      'COMPLETED',
    ]);
    expect(updates.find((update) => update.stage === 'PARSING')).toMatchObject({ bytesProcessed: 3 * 1024 * 1024 });
    expect(() => service.app.get(ProgressService).updaterFor(jobId)({ stage: ProcessingStage.ANALYZING })).toThrow(
      'not running on this instance',
    );
  });

  it('answers a subscription to an unknown job with NOT_FOUND', async () => {
    const run = subscribe(service.wsClient(), PROGRESS_SUBSCRIPTION, { jobId: 'no-such-job' }, 'jobProgress');
    await expect(run.finished).rejects.toMatchObject({
      errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })],
    });
  });

  it('sends the current state at once and completes for a job that has already ended', async () => {
    const jobId = await enqueue(await storeFile('small.txt', 'done already\n'));
    await waitFor(
      async () =>
        (await service.prisma.client.processingJob.findUnique({ where: { id: jobId } }))?.status === 'COMPLETED',
    );
    const updates = await subscribe(service.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress').finished;
    expect(updates).toHaveLength(1);
    expect(updates[0]).toMatchObject({ status: 'COMPLETED', progress: 100 });
  });

  it('writes the progress of thousands of byte updates a few times a second, of jobs running together in one statement', async () => {
    const saveMany = jest.spyOn(service.app.get(ProgressRepository), 'saveMany');
    const listened: number[] = [];
    const jobIds: string[] = [];
    for (const name of ['one', 'two', 'three'])
      jobIds.push(await enqueueHeld(await storeFile(`${name}.chatty`, Buffer.alloc(100_000))));
    const stop = service.app.get(ProgressService).onProgress(jobIds[0], (update) => listened.push(update.progress));
    // Due at once, the three are claimed by one claim (the pool has 4 slots).
    await Promise.all(jobIds.map((id) => service.prisma.driver.records.overwriteJob(id, { availableAt: new Date() })));
    const started = Date.now();
    await waitFor(
      async () =>
        (await service.prisma.client.processingJob.count({ where: { id: { in: jobIds }, status: 'COMPLETED' } })) === 3,
    );
    const seconds = (Date.now() - started) / 1000;
    const statements = saveMany.mock.calls
      .map(([, saves]) => saves.map((save) => save.jobId))
      .filter((saved) => saved.some((jobId) => jobIds.includes(jobId)));
    saveMany.mockRestore();
    // 5,000 byte updates and three stage changes each over about a second: at most two throttled writes a second.
    for (const jobId of jobIds) {
      const writes = statements.filter((saved) => saved.includes(jobId)).length;
      expect(writes).toBeGreaterThanOrEqual(1);
      expect(writes).toBeLessThanOrEqual(Math.ceil(seconds * 2));
    }
    // Started together, they are written together (a write per job each time: 3 statements a round, none with all).
    expect(statements.filter((saved) => jobIds.every((jobId) => saved.includes(jobId))).length).toBeGreaterThan(0);
    await waitFor(() => listened.at(-1) === 100, 2000); // the terminal update travels after the commit
    stop();
    expect(listened.length).toBeGreaterThan(3);
  });

  it('sends every status change of matching jobs to jobUpdated, and no others', async () => {
    const query = `subscription { jobUpdated(filter: { format: ["txt"] }) { id status format } }`;
    const run = subscribe(service.wsClient(), query, {}, 'jobUpdated');
    // jobUpdated sends nothing on subscribing: probe jobs run until one is seen, so the subscription is live.
    await waitFor(
      async () => run.updates.length > 0 || (await enqueue(await storeFile('probe.txt', 'probe\n')), false),
      15_000,
      500,
    );
    const ignoredId = await enqueue(await storeFile('other.chatty', Buffer.alloc(10)));
    const jobId = await enqueue(await storeFile('watched.txt', 'watched\n'));
    await waitFor(() =>
      run.updates.some((job: { id: string; status: string }) => job.id === jobId && job.status === 'COMPLETED'),
    );
    run.cancel();
    expect(
      run.updates.filter((job: { id: string }) => job.id === jobId).map((job: { status: string }) => job.status),
    ).toEqual(['PENDING', 'PROCESSING', 'COMPLETED']);
    expect(run.updates.some((job: { id: string }) => job.id === ignoredId)).toBe(false);
  });

  it('cancels a running job within a second; its subscribers see CANCELLED', async () => {
    const jobId = await enqueue(await storeFile('forever.stuck', Buffer.alloc(10)));
    await waitFor(
      async () =>
        (await service.prisma.client.processingJob.findUnique({ where: { id: jobId } }))?.status === 'PROCESSING',
    );
    const run = subscribe(service.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress');
    await run.firstUpdate;
    const started = Date.now();
    const { data, errors } = await service.gql(
      `mutation($id: ID!) { cancelJob(id: $id) { status attempts { outcome errorCode } } }`,
      { id: jobId },
    );
    expect(errors).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(data.cancelJob).toEqual({
      status: 'CANCELLED',
      attempts: [{ outcome: 'CANCELLED', errorCode: 'CANCELLED' }],
    });
    const updates = await run.finished;
    expect(updates.at(-1)).toMatchObject({ status: 'CANCELLED' });
  });
});
