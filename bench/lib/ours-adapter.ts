import { ANONYMOUS_ADMIN, JobPriority } from '../../src/job-queue';
import {
  enqueueNoopJobs,
  noopStarts,
  type OurService,
  startOurService,
  startWorkers,
  storeNoopFile,
} from './our-service';
import { OURS_SETTINGS, queueOptions } from './ours-settings';
import type { QueueAdapter } from './systems';
import { packageVersion } from './package-version';

/** A running service's own driver answers whether work is left, however the database keeps a job's state. */
export async function hasUnfinished(service: OurService): Promise<boolean> {
  return (await service.prisma.driver.records.countJobs({ statuses: ['PENDING', 'RETRYING', 'PROCESSING'] })) > 0;
}

export const oursAdapter: QueueAdapter = {
  version: packageVersion(`${__dirname}/../../package.json`),
  settings: `workerConcurrency ${OURS_SETTINGS.workerConcurrency}, pollIntervalMs ${OURS_SETTINGS.pollIntervalMs} (default), analyzer null, enqueue via JobsService.enqueueMany`,

  async openProducer(db) {
    const service = await startOurService(queueOptions(db, false));
    const fileId = await storeNoopFile(service);
    return {
      enqueueBulk: (count) => enqueueNoopJobs(service, fileId, count),
      hasUnfinished: () => hasUnfinished(service),
      close: () => service.close(),
    };
  },

  async openWorker(db) {
    const service = await startOurService(queueOptions(db, false));
    return {
      port: service.port,
      async start(onStart) {
        noopStarts.listener = onStart ?? null;
        await startWorkers(service);
      },
      stop: () => service.close(),
    };
  },

  async openLatencyRig(db, onStart) {
    const service = await startOurService(queueOptions(db, true));
    const fileId = await storeNoopFile(service);
    noopStarts.listener = onStart;
    return {
      enqueueOne: async () =>
        (await service.jobs.enqueue({ fileId, priority: JobPriority.NORMAL }, ANONYMOUS_ADMIN)).id,
      close: async () => {
        noopStarts.listener = null;
        await service.close();
      },
    };
  },
};
