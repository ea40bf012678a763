import type { QueueStore } from '../../src/job-queue/database/queue-store';
import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';
import { WorkerPoolService } from '../../src/job-queue';
import { databaseLabel } from '../support/database';
import { countByStatus, enqueueJobs, recordingProcessor, storeFile } from '../support/queue-helpers';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

/**
 * An attempt whose outcome cannot be committed at all (its completion refused, then the failure that replaces it)
 * is logged and gives its slot back: the pool goes on with other jobs. The job itself stays PROCESSING under its
 * lease, for the stalled sweep to recover once the lease runs out.
 */
describe(`An outcome that cannot be committed (${databaseLabel})`, () => {
  const quick = recordingProcessor('quick');
  let worker: TestApp;
  useTestApp(
    { queue: { workerConcurrency: 1 }, providers: [quick.processor] },
    (started) => (worker = started.service),
  );

  it('frees the slot of the job it could not settle, and the pool runs the next job', async () => {
    const store = worker.app.get<QueueStore>(QUEUE_DRIVER);
    let refusing = true;
    const refused = new Set<string>();
    const completeMany = store.completeMany.bind(store);
    const settleMany = store.settleMany.bind(store);
    store.completeMany = async (workerId, completions) => {
      if (!refusing) return completeMany(workerId, completions);
      for (const completion of completions) refused.add(completion.jobId);
      throw new Error('completion refused by the test');
    };
    store.settleMany = async (settlements, onlyExpiredLeases) => {
      if (refusing) throw new Error('failure refused by the test');
      return settleMany(settlements, onlyExpiredLeases);
    };
    const pool = worker.app.get(WorkerPoolService);
    const fileId = await storeFile(worker.app, 'one.quick');
    const [unsettled] = await enqueueJobs(worker.app, fileId, 1);

    // Given up on: the job is no longer this pool's, and its only slot is free again.
    await waitFor(() => refused.has(unsettled.id) && pool.activeJobIds.length === 0, 10_000);
    refusing = false;
    const [next] = await enqueueJobs(worker.app, fileId, 1);
    const db = worker.prisma.client;
    await waitFor(async () => (await db.processingJob.findUnique({ where: { id: next.id } }))?.status === 'COMPLETED');
    expect(quick.log.starts).toEqual([unsettled.id, next.id]);
    expect(await countByStatus(db)).toMatchObject({ PROCESSING: 1, COMPLETED: 1 });
    expect((await db.processingJob.findUnique({ where: { id: unsettled.id } }))?.status).toBe('PROCESSING');
  });
});
