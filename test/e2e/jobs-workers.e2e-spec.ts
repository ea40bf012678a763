import 'reflect-metadata';
import {
  CANCEL_JOB,
  ENQUEUE_JOB,
  gqlData,
  gqlError,
  JOB,
  RETRY_JOB,
  upload,
  uploadFileId,
} from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** The jobs API with workers running (the built-in txt processor): finished jobs, and runAt holding a job back. */
describe(`GraphQL jobs API with workers (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;

  const job = async (id: string) => (await gqlData(service, JOB, { id })).job;
  const completed = (id: string, timeoutMs: number) =>
    waitFor(async () => {
      const current = await job(id);
      return current.status === 'COMPLETED' ? current : null;
    }, timeoutMs);

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('a COMPLETED job can be neither cancelled nor retried (CONFLICT)', async () => {
    const { body } = await upload(service, { name: 'done.txt', content: 'finished\n' }).expect(201);
    const { id } = body.job;
    await completed(id, 10_000);

    const cancel = await gqlError(service, CANCEL_JOB, { id });
    expect(cancel).toEqual({ code: 'CONFLICT', message: `Job ${id} is COMPLETED and cannot be cancelled`, data: null });
    const retry = await gqlError(service, RETRY_JOB, { id });
    expect(retry).toEqual({ code: 'CONFLICT', message: `Job ${id} is COMPLETED and cannot be retried`, data: null });
    expect(await job(id)).toMatchObject({ status: 'COMPLETED', progress: 100, attempts: [{ number: 1 }] });
  });

  it('runAt in the future holds a job PENDING until it is due; a job without runAt completes before then', async () => {
    const fileId = await uploadFileId(service, 'later.txt', 'due later\n');
    const runAt = new Date(Date.now() + 3_000).toISOString();
    const delayed = (await gqlData(service, ENQUEUE_JOB, { input: { fileId, runAt } })).enqueueJob;
    const prompt = (await gqlData(service, ENQUEUE_JOB, { input: { fileId } })).enqueueJob;
    expect(delayed).toMatchObject({ status: 'PENDING', runAt });
    expect(prompt.runAt).toBeNull();

    // The job enqueued without runAt is not held: it is done while the other still waits for its time.
    const promptDone = await completed(prompt.id, 10_000);
    expect(Date.parse(promptDone.completedAt)).toBeLessThan(Date.parse(runAt));

    // Its one attempt started at runAt or later (the database's record, not a sample), and (generously) soon after.
    const delayedDone = await completed(delayed.id, 15_000);
    expect(Date.parse(delayedDone.startedAt)).toBeGreaterThanOrEqual(Date.parse(runAt));
    expect(Date.parse(delayedDone.startedAt) - Date.parse(runAt)).toBeLessThan(5_000);
    expect(delayedDone.attempts).toEqual([{ number: 1 }]);
  });
});
