import { Injectable } from '@nestjs/common';
import {
  FileProcessor,
  type FileProcessorHandler,
  type ProcessingContext,
  type ProcessingOutput,
  ProcessingStage,
  ProgressService,
  RecoverableError,
  WorkerPoolService,
} from '../../src/job-queue';
import { StalledJobsService } from '../../src/job-queue/monitoring/stalled-jobs.service';
import { upload, uploadFileId } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { CLIENT_TRACE_ID, expectConnectedTrace, storedTraceContext, uploadTrace } from '../support/job-trace';
import { eventsOf, idOf, kindName, parentOf, recordSpans, type RecordedSpans } from '../support/spans';
import { subscribe } from '../support/subscriptions';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** Fails its job's first attempt recoverably, completes the second. */
@Injectable()
@FileProcessor('flaky')
class FlakyProcessor implements FileProcessorHandler {
  async process({ job, progress }: ProcessingContext): Promise<ProcessingOutput> {
    progress.stage(ProcessingStage.READING);
    if (job.attemptCount === 1) throw new RecoverableError('IO_ERROR', 'the disk hiccupped');
    return { extractedText: 'second time lucky' };
  }
}

/** Enters PARSING through ProgressService.updaterFor, code outside the processor's own reporter. */
@Injectable()
@FileProcessor('outside')
class UpdaterProcessor implements FileProcessorHandler {
  constructor(private readonly progress: ProgressService) {}

  async process({ job }: ProcessingContext): Promise<ProcessingOutput> {
    this.progress.updaterFor(job.id)({ stage: ProcessingStage.PARSING });
    return {};
  }
}

/**
 * One SDK for the file, as a host registers one for its process: the queue's tracer (the API's proxy) binds to the
 * first provider it sees, so a second registration in the same process would not be seen.
 */
let spans: RecordedSpans;
beforeAll(() => (spans = recordSpans()));
afterAll(() => spans?.stop());

describe(`Traces of a job's life with the OpenTelemetry SDK registered (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, {
      providers: [FlakyProcessor, UpdaterProcessor],
      queue: { retry: { initialDelayMs: 20, maxDelayMs: 20, backoffMultiplier: 1, jitterFactor: 0 } },
    });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('one upload: request span -> enqueue span -> linked job.process span with its stages and committed outcome', async () => {
    const traced = await uploadTrace(spans, service);
    expectConnectedTrace(traced, await storedTraceContext(service, traced.jobId));
    expect(traced.processed.attributes['file_jobs.worker.id']).toBe(service.app.get(WorkerPoolService).workerId);
  });

  it('a GraphQL operation has a span named "<type> <operationName>"; a bulk enqueue in it links each job to it', async () => {
    const fileId = await uploadFileId(service, 'bulk.txt', 'two jobs of one file');
    spans.exporter.reset();
    const { data } = await service.gql(
      `mutation EnqueueTwo($f: ID!) { enqueueJobs(inputs: [{ fileId: $f }, { fileId: $f }]) { id } }`,
      { f: fileId },
    );
    const ids: string[] = data.enqueueJobs.map((job: { id: string }) => job.id);
    const processed = await Promise.all(ids.map((id) => spans.ended('job.process', 'messaging.message.id', id)));
    const operation = await waitFor(() => spans.named('mutation EnqueueTwo')[0]);
    const [enqueue] = spans.named('job.enqueue');
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'EnqueueTwo',
    });
    expect(parentOf(enqueue)).toBe(idOf(operation));
    expect(enqueue.attributes['messaging.batch.message_count']).toBe(2);
    expect(processed.map((span) => span.links.map((link) => link.context.spanId))).toEqual([
      [idOf(enqueue)],
      [idOf(enqueue)],
    ]);
    // Control: an anonymous query is named by its type alone.
    await service.gql('{ jobs(first: 1) { totalCount } }');
    expect(await waitFor(() => spans.named('query')[0])).toBeDefined();
  });

  it('an operation over graphql-ws has a span too: named once it started, failed when it was refused', async () => {
    const client = service.wsClient();
    try {
      spans.exporter.reset();
      const watching = subscribe(client, 'subscription WatchJobs { jobUpdated { id status } }', {}, 'jobUpdated');
      const started = await waitFor(() => spans.named('subscription WatchJobs')[0]);
      expect(kindName(started)).toBe('SERVER');
      expect(started.attributes).toMatchObject({
        'graphql.operation.type': 'subscription',
        'graphql.operation.name': 'WatchJobs',
        'network.protocol.name': 'websocket',
      });
      expect(started.status.code).toBe(0); // UNSET: it started
      watching.cancel();
      // Control: a refused operation (no such field) ends failed, under the name it had before it was parsed.
      const refused = subscribe(client, 'subscription Nope { noSuchField }', {}, 'noSuchField');
      await expect(refused.finished).rejects.toThrow(/noSuchField/);
      const failed = await waitFor(() => spans.named('graphql')[0]);
      expect(failed.status).toMatchObject({ code: 2, message: expect.stringMatching(/noSuchField/) });
      expect(spans.named('subscription Nope')).toEqual([]);
    } finally {
      await client.dispose();
    }
  });

  it('a stage reported through ProgressService.updaterFor is an event of the span too', async () => {
    const response = await upload(service, { name: 'hooked.outside', content: 'x' }).expect(201);
    const processed = await spans.ended('job.process', 'messaging.message.id', response.body.job.id);
    expect(processed.events.map((event) => event.name)).toEqual([
      'stage VALIDATING',
      'stage PARSING',
      'stage FINALIZING',
      'job.outcome_committed',
    ]);
  });

  it('a failed attempt records its retry decision; the retry is a second job.process linked to the same enqueue', async () => {
    const response = await upload(service, { name: 'twice.flaky', content: 'x' }).expect(201);
    const jobId: string = response.body.job.id;
    await waitFor(
      () => spans.named('job.process').filter((span) => span.attributes['messaging.message.id'] === jobId).length === 2,
    );
    const attempts = spans.named('job.process').filter((span) => span.attributes['messaging.message.id'] === jobId);
    const [enqueue] = spans.named('job.enqueue').filter((span) => span.attributes['messaging.message.id'] === jobId);
    expect(
      attempts.map((span) => [span.attributes['file_jobs.attempt'], span.attributes['file_jobs.outcome']]),
    ).toEqual([
      [1, 'RETRYING'],
      [2, 'COMPLETED'],
    ]);
    expect(attempts[0].events.map((event) => event.name)).toEqual([
      'stage VALIDATING',
      'stage READING',
      'job.retry_decision',
      'exception',
      'job.outcome_committed',
    ]);
    expect(eventsOf(attempts[0])[2]).toBe(
      'job.retry_decision {"error.type":"IO_ERROR","file_jobs.error.recoverable":true,"file_jobs.retry":true,"file_jobs.retry.delay_ms":20}',
    );
    expect(attempts[0].events[3].attributes).toMatchObject({
      'exception.type': 'IO_ERROR',
      'exception.message': 'the disk hiccupped',
    });
    expect(attempts[0].status).toMatchObject({ code: 2, message: 'the disk hiccupped' });
    expect(attempts.map((span) => span.links[0]?.context.spanId)).toEqual([idOf(enqueue), idOf(enqueue)]);
  });

  it('a sweep that recovers a stalled job does it in a span linked to its enqueue; a sweep that finds none makes none', async () => {
    const db = service.prisma.client;
    const sweeps = service.app.get(StalledJobsService);
    const recoveries = () => spans.named('job.recover_stalled');
    const before = recoveries().length;
    expect(await sweeps.recover()).toBe(0);
    expect(recoveries()).toHaveLength(before);

    // A job whose worker died mid-attempt: its lease runs out (with its enqueue's context set) in one update.
    const enqueueSpanId = 'b7ad6b7169203331';
    const jobId = await insertJob(db, {
      status: 'PROCESSING',
      startedAgoMs: 5_000,
      leaseExpiresInMs: 60_000,
      maxRetries: 0,
    });
    await service.prisma.driver.records.overwriteJob(jobId, {
      traceContext: `00-${CLIENT_TRACE_ID}-${enqueueSpanId}-01`,
      leaseExpiresAt: new Date(Date.now() - 1_000),
    });
    await sweeps.recover(); // or the service's own sweep got there first: either way one span recovered it
    const recovery = await waitFor(() => recoveries().find((span) => span.links[0]?.context.spanId === enqueueSpanId));
    expect(kindName(recovery)).toBe('INTERNAL');
    expect(recovery.attributes).toEqual({ 'file_jobs.stalled.count': 1, 'file_jobs.recovered.count': 1 });
    expect(recovery.links.map((link) => link.context.traceId)).toEqual([CLIENT_TRACE_ID]);
    expect(await db.processingJob.findUniqueOrThrow({ where: { id: jobId } })).toMatchObject({
      status: 'FAILED',
      errorCode: 'STALLED',
    });
  });
});
