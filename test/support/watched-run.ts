import { JobEventBus } from '../../src/job-queue/events/job-event-bus';
import { JobTopics } from '../../src/job-queue/events/job-events';
import { JobEventsPublisher } from '../../src/job-queue/events/job-events.publisher';
import { PROGRESS_SUBSCRIPTION, subscribe, type SubscriptionRun } from './subscriptions';
import { type TestApp, waitFor } from './test-app';

/**
 * Watches a job that is not due yet through `api`'s jobProgress, waits until `worker` knows that someone listens to
 * progress (the interest crossed instances: EventInterest), then makes the job due and wakes the workers. Every
 * stage is then published to a live subscriber. A job due 500 ms after its enqueue instead lost its first stage on a
 * loaded machine, the worker running it before the subscription was live.
 */
export async function watchThenRun(api: TestApp, worker: TestApp, jobId: string): Promise<SubscriptionRun<any>> {
  const run = subscribe(api.wsClient(), PROGRESS_SUBSCRIPTION, { jobId }, 'jobProgress');
  await run.firstUpdate;
  await waitFor(() => worker.app.get(JobEventBus).wants(JobTopics.jobProgress));
  await api.prisma.driver.records.overwriteJob(jobId, { availableAt: new Date() });
  await api.app.get(JobEventsPublisher).wakeWorkers();
  return run;
}
