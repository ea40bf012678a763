import { WorkerPoolService } from '../../src/job-queue';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { expectConnectedTrace, storedTraceContext, uploadTrace } from '../support/job-trace';
import { recordSpans, type RecordedSpans } from '../support/spans';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * One SDK for the file, as a host registers one for its process: the queue's tracer (the API's proxy) binds to the
 * first provider it sees, so a second registration in the same process would not be seen.
 */
let spans: RecordedSpans;
beforeAll(() => (spans = recordSpans()));
afterAll(() => spans?.stop());

describePostgres('Traces across instances: enqueued by an API-only instance, processed by another', () => {
  let database: TestDatabase;
  let api: TestApp;
  let worker: TestApp;

  beforeAll(async () => {
    spans.exporter.reset();
    database = await createTestDatabase();
    api = await startTestApp(database, { queue: { workersEnabled: false } });
    worker = await startTestApp(database, { queue: { pollIntervalMs: 60_000 } });
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await database?.drop();
  });

  it('the worker instance links its job.process span to the API instance request, through the stored context', async () => {
    const traced = await uploadTrace(spans, api);
    expectConnectedTrace(traced, await storedTraceContext(worker, traced.jobId));
    expect(traced.processed.attributes['file_jobs.worker.id']).toBe(worker.app.get(WorkerPoolService).workerId);
    // Control: the API instance runs no worker, so the span cannot have come from it.
    expect(api.app.get(WorkerPoolService).activeJobIds).toEqual([]);
    expect(traced.processed.attributes['file_jobs.worker.id']).not.toBe(api.app.get(WorkerPoolService).workerId);
  });
});
