import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { Caller } from '../../src/job-queue';
import { JobUpdatesService } from '../../src/job-queue/jobs/job-updates.service';
import { CANCEL_JOB, gqlData } from '../support/api-helpers';
import { databaseLabel } from '../support/database';
import { liveSubscribers } from '../support/live-subscribers';
import { enqueueJobs, storeFile } from '../support/queue-helpers';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

const SUBSCRIBERS = 50;

/**
 * Identical jobUpdated subscriptions of one caller share one execution (src/job-queue/common/shared-subscriptions.ts):
 * the service below them sees one subscriber, and each event is executed once for all of them.
 */
describe(`Identical jobUpdated subscriptions share one execution (${databaseLabel})`, () => {
  let service: TestApp;
  let fileId: string;
  // The caller is whoever connectionParams.user names (an admin when none), resolved once per connection.
  const resolveCaller = (context: {
    transport: string;
    connectionParams?: Readonly<Record<string, unknown>>;
  }): Caller => {
    const user = context.transport === 'ws' ? context.connectionParams?.user : undefined;
    return typeof user === 'string' ? { userId: user, isAdmin: true } : { userId: null, isAdmin: true };
  };
  useTestApp({ queue: { workersEnabled: false, resolveCaller } }, (started) => {
    service = started.service;
  });
  const updates = () => service.app.get(JobUpdatesService);
  const enqueueProbe = async () => (await enqueueJobs(service.app, fileId, 1))[0].id;
  const clientAs = (user: string) =>
    createClient({
      url: service.url.replace('http', 'ws') + '/graphql',
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { user },
    });

  beforeAll(async () => {
    fileId = await storeFile(service.app, 'shared.txt');
  });

  it(`${SUBSCRIBERS} identical subscribers are one subscriber below, and each gets every update in order`, async () => {
    const runs = await liveSubscribers(SUBSCRIBERS, () => service.wsClient(), enqueueProbe);
    expect(updates().subscriberCount).toBe(1);

    // Control: another filter, or the same document from another caller, is a subscription of its own.
    const [cancelledOnly] = await liveSubscribers(
      1,
      () => service.wsClient(),
      enqueueProbe,
      'subscription { jobUpdated(filter: { status: [PENDING, CANCELLED] }) { id status } }',
    );
    const [otherCaller] = await liveSubscribers(1, () => clientAs('someone-else'), enqueueProbe);
    expect(updates().subscriberCount).toBe(3);

    const jobs = (await enqueueJobs(service.app, fileId, 5)).map((job) => job.id);
    for (const id of jobs) await gqlData(service, CANCEL_JOB, { id });
    const expected = [...jobs.map((id) => [id, 'PENDING']), ...jobs.map((id) => [id, 'CANCELLED'])];
    for (const run of [...runs, cancelledOnly, otherCaller]) {
      await waitFor(() => run.updates.filter((update) => jobs.includes(update.id)).length === expected.length);
      expect(
        run.updates.filter((update) => jobs.includes(update.id)).map((update) => [update.id, update.status]),
      ).toEqual(expected);
    }

    // The shared execution lives while anyone follows it, and ends with the last one.
    for (const run of runs.slice(1)) run.cancel();
    const lateJob = await enqueueProbe();
    await waitFor(() => runs[0].updates.some((update) => update.id === lateJob));
    expect(updates().subscriberCount).toBe(3);
    for (const run of [runs[0], cancelledOnly, otherCaller]) run.cancel();
    await waitFor(() => updates().subscriberCount === 0);
  });

  it('shares by the whole document: the same operation with another fragment is an execution of its own', async () => {
    // A dashboard open in two tabs across a deploy that changed its fragment: the operation prints the same.
    const withFragment = (fields: string) =>
      `subscription Updates { jobUpdated { ...Fields } } fragment Fields on ProcessingJob { ${fields} }`;
    const [narrow] = await liveSubscribers(1, () => service.wsClient(), enqueueProbe, withFragment('id status'));
    const [wide] = await liveSubscribers(1, () => service.wsClient(), enqueueProbe, withFragment('id status fileName'));
    expect(updates().subscriberCount).toBe(2);

    const [job] = await enqueueJobs(service.app, fileId, 1);
    for (const [run, expected] of [
      [narrow, { id: job.id, status: 'PENDING' }],
      [wide, { id: job.id, status: 'PENDING', fileName: 'shared.txt' }],
    ] as const) {
      await waitFor(() => run.updates.some((update) => update.id === job.id));
      expect(run.updates.find((update) => update.id === job.id)).toEqual(expected);
      run.cancel();
    }
    await waitFor(() => updates().subscriberCount === 0);
  });
});
