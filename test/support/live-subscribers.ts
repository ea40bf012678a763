import type { Client } from 'graphql-ws';
import { subscribe, type SubscriptionRun } from './subscriptions';
import { waitFor } from './test-app';

export interface JobUpdate {
  id: string;
  status: string;
}

/**
 * Opens `count` subscriptions of `query` (a jobUpdated subscription) on connections from `connect`, and waits
 * until each is live on the server (the client is not told when the server subscribed): probe jobs are enqueued
 * until every subscriber has seen one. Each run's `finished` is handled from the start, so a subscription that
 * ends with an error is asserted where it matters rather than reported as an unhandled rejection.
 */
export async function liveSubscribers(
  count: number,
  connect: () => Client,
  enqueueProbe: () => Promise<string>,
  query = 'subscription { jobUpdated { id status } }',
): Promise<SubscriptionRun<JobUpdate>[]> {
  const runs = Array.from({ length: count }, () => subscribe<JobUpdate>(connect(), query, {}, 'jobUpdated'));
  for (const run of runs) run.finished.catch(() => undefined);
  const probes: string[] = [];
  await waitFor(
    async () => {
      probes.push(await enqueueProbe());
      return runs.every((run) => run.updates.some((update) => probes.includes(update.id)));
    },
    30_000,
    100,
  );
  return runs;
}

/** How a subscription ended so far: 'open', 'completed', or the error's message. */
export function endingOf(run: SubscriptionRun<unknown>): () => string {
  let ending = 'open';
  run.finished.then(
    () => (ending = 'completed'),
    (error: Error) => (ending = error?.message ?? String(error)),
  );
  return () => ending;
}
