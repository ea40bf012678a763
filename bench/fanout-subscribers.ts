/**
 * The subscribers of the fan-out scenario, in a process of their own so that the service's event loop does not
 * also run 100 clients: `bench/fanout-subscribers.ts PORT JOB_ID COUNT`. Each is a graphql-ws connection with one
 * jobProgress subscription. Reports "subscribed" once every subscriber has its first update (the current state),
 * then, when all have completed, "done" with each later update's delay: receipt − the event's `at`.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { PROGRESS_SUBSCRIPTION } from '../test/support/subscriptions';

export type SubscribersMessage =
  { type: 'subscribed' } | { type: 'done'; delays: number[] } | { type: 'failed'; error: string };

const send = (message: SubscribersMessage) => process.send!(message);

async function main(): Promise<void> {
  const [port, jobId, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
  const delays: number[] = [];
  let subscribed = 0;
  const clients = Array.from({ length: count }, () =>
    createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false }),
  );
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve, reject) => {
          let first = true;
          client.subscribe<{ jobProgress: { at: string } }>(
            { query: PROGRESS_SUBSCRIPTION, variables: { jobId } },
            {
              next: ({ data, errors }) => {
                const receivedAt = Date.now();
                if (errors?.length || !data) return reject(new Error(errors?.[0]?.message ?? 'no data'));
                if (!first) delays.push(receivedAt - Date.parse(data.jobProgress.at));
                else if (++subscribed === count) send({ type: 'subscribed' });
                first = false;
              },
              error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
              complete: resolve,
            },
          );
        }),
    ),
  );
  await Promise.all(clients.map(async (client) => client.dispose()));
  send({ type: 'done', delays });
}

main().then(
  () => process.disconnect(),
  (error: Error) => {
    send({ type: 'failed', error: error.stack ?? error.message });
    process.disconnect();
  },
);
