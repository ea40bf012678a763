import type { PubSubEngine } from 'graphql-subscriptions';
import { JOB_EVENT_BUS } from '../../src/job-queue/job-queue.constants';
import { JobTopics } from '../../src/job-queue/events/job-events';
import { databaseLabel } from '../support/database';
import { liveSubscribers } from '../support/live-subscribers';
import { enqueueJobs, storeFile } from '../support/queue-helpers';
import { type StartedSuite, useTestApp, waitFor } from '../support/test-app';

/**
 * Issue 11, 1(b), on either bus: a listener of the event bus that throws is logged and skipped. The listeners
 * after it still get the event (on SQLite the in-process bus calls them in turn inside publish), and the
 * publisher's caller never sees the error.
 */
describe(`A throwing event listener (${databaseLabel})`, () => {
  let suite: StartedSuite;
  useTestApp({ queue: { workersEnabled: false } }, (started) => (suite = started));

  it('does not keep the event from the listeners after it', async () => {
    const { service } = suite;
    const bus = service.app.get<PubSubEngine>(JOB_EVENT_BUS);
    let thrown = 0;
    const id = await bus.subscribe(
      JobTopics.jobChanged,
      () => {
        thrown++;
        throw new Error('a listener that fails');
      },
      {},
    );
    try {
      const fileId = await storeFile(service.app, 'a.txt');
      const [subscriber] = await liveSubscribers(
        1,
        () => service.wsClient(),
        async () => (await enqueueJobs(service.app, fileId, 1))[0].id,
      );
      const jobs = await enqueueJobs(service.app, fileId, 3);
      await waitFor(() => jobs.every((job) => subscriber.updates.some((update) => update.id === job.id)));
      expect(thrown).toBeGreaterThanOrEqual(2);
    } finally {
      bus.unsubscribe(id);
    }
  });
});
