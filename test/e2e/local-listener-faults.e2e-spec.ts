import { LocalJobEvents } from '../../src/job-queue/worker';
import { upload } from '../support/api-helpers';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

const JOB = `query($id: ID!) { job(id: $id) { status retryCount attempts { outcome errorCode } } }`;

/**
 * A host's listener of LocalJobEvents (its own metrics, say) that throws is logged and skipped: the listeners after
 * it still hear, and the job it was told about is not touched. Before, one that threw on a finished stage failed the
 * attempt (retried as INTERNAL_ERROR), and one that threw on a settled job rejected the batch's flush (an unhandled
 * rejection) before its jobs' callers were told: their worker slots were never given back, so with one slot the
 * second job never started.
 */
describe(`A throwing listener of this instance's job events (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { workerConcurrency: 1 } }, (started) => ({ service } = started));

  it('is skipped: every job completes at its first attempt and the listeners after it hear of each', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const local = service.app.get(LocalJobEvents);
    const heard = { stages: 0, settled: [] as string[] };
    const stops = [
      local.onStageFinished(() => {
        throw new Error('a stage listener that fails');
      }),
      local.onStageFinished(() => void heard.stages++),
      local.onSettled(() => {
        throw new Error('a settled listener that fails');
      }),
      local.onSettled(({ job, outcome }) => void heard.settled.push(`${job.id} ${outcome}`)),
    ];
    try {
      const ids: string[] = [];
      for (const name of ['a.txt', 'b.txt', 'c.txt']) {
        const response = await upload(service, { name, content: `file ${name}` }).expect(201);
        ids.push(response.body.job.id as string);
      }
      const jobs = await waitFor(async () => {
        const found = await Promise.all(ids.map(async (id) => (await service.gql(JOB, { id })).data.job));
        return found.every((job) => job.status !== 'PENDING' && job.status !== 'PROCESSING') ? found : null;
      }, 10_000);
      expect(jobs).toEqual(
        ids.map(() => ({ status: 'COMPLETED', retryCount: 0, attempts: [{ outcome: 'COMPLETED', errorCode: null }] })),
      );
      expect(heard.settled.sort()).toEqual(ids.map((id) => `${id} COMPLETED`).sort());
      expect(heard.stages).toBeGreaterThanOrEqual(3 * 4);
      expect(unhandled).toEqual([]);
    } finally {
      for (const stop of stops) stop();
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
