import { Readable } from 'node:stream';
import { ANONYMOUS_ADMIN, FileStorageService } from '../../src/job-queue';
import { ProgressJobs } from '../../src/job-queue/progress/progress-job';
import { databaseLabel } from '../support/database';
import { StepsProcessor } from '../support/steps-processor';
import { subscribe } from '../support/subscriptions';
import { type TestApp, useTestApp } from '../support/test-app';

const WITH_JOB = `subscription($jobId: ID!) {
  jobProgress(jobId: $jobId) { jobId status progress stage bytesProcessed job { id fileId fileName status progress stage bytesProcessed } }
}`;

interface Update {
  jobId: string;
  status: string;
  progress: number;
  stage: string;
  bytesProcessed: number | null;
  job: {
    id: string;
    fileId: string;
    fileName: string;
    status: string;
    progress: number;
    stage: string;
    bytesProcessed: number | null;
  };
}

describe(`ProgressUpdate.job: the job as it stands at each update (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ providers: [StepsProcessor] }, (started) => ({ service } = started));

  /** Held an hour, so that it cannot start before the test has subscribed. */
  const enqueueHeld = async (fileId: string): Promise<string> => {
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const { data, errors } = await service.gql(
      `mutation($fileId: ID!, $runAt: DateTime) { enqueueJob(input: { fileId: $fileId, runAt: $runAt }) { id } }`,
      { fileId, runAt },
    );
    expect(errors).toBeUndefined();
    return data.enqueueJob.id;
  };
  const release = (jobId: string) => service.prisma.driver.records.overwriteJob(jobId, { availableAt: new Date() });

  it('carries the job with the update’s own status, stage, progress and bytes, one read per update for all subscribers', async () => {
    const file = await service.app
      .get(FileStorageService)
      .store(Readable.from([Buffer.alloc(64 * 1024, 1)]), 'data.steps', ANONYMOUS_ADMIN);
    const jobId = await enqueueHeld(file.id);
    // load is the one database read of ProgressJobs (private: spied on through the prototype).
    const loads = jest.spyOn(ProgressJobs.prototype as unknown as { load: () => Promise<unknown> }, 'load');
    try {
      const first = subscribe<Update>(service.wsClient(), WITH_JOB, { jobId }, 'jobProgress');
      const second = subscribe<Update>(service.wsClient(), WITH_JOB, { jobId }, 'jobProgress');
      await Promise.all([first.firstUpdate, second.firstUpdate]);
      await release(jobId);
      const [updates, others] = await Promise.all([first.finished, second.finished]);

      for (const update of [...updates, ...others]) {
        expect(update.job).toEqual({
          id: jobId,
          fileId: file.id,
          fileName: 'data.steps',
          status: update.status,
          progress: update.progress,
          stage: update.stage,
          bytesProcessed: update.bytesProcessed,
        });
      }
      const progressOf = (runs: Update[]) =>
        runs.filter((update) => update.status === 'PROCESSING').map((update) => update.job.progress);
      expect(progressOf(updates).some((progress) => progress > 0 && progress < 100)).toBe(true); // control: it ran
      expect(updates.at(-1)!.job).toMatchObject({ status: 'COMPLETED', progress: 100, stage: 'COMPLETED' });
      expect(updates[0].job).toMatchObject({ status: 'PENDING', progress: 0 });
      // Both saw the same progress events (after each one's own snapshot); each was read once, not once each.
      expect(others.slice(1)).toEqual(updates.slice(1));
      // The PROCESSING updates are progress events, each needing a read, and the claim, made from the row (dropped
      // when a progress event overtook it). One read per event for both subscribers; per subscriber, twice as many.
      const processing = progressOf(updates).length;
      expect(processing).toBeGreaterThan(2);
      expect(loads.mock.calls.length).toBeGreaterThanOrEqual(processing - 1);
      expect(loads.mock.calls.length).toBeLessThanOrEqual(processing);
    } finally {
      loads.mockRestore();
    }
  });
});
