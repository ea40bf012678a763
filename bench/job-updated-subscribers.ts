/**
 * The subscribers of the "burn-down with jobUpdated subscribers" scenario, in a process of their own so that the
 * measured worker process does not also run the clients: `bench/job-updated-subscribers.ts PORT FILE_ID COUNT`.
 * Each is a graphql-ws connection with one `jobUpdated(filter: { status: [COMPLETED, FAILED, CANCELLED] })`.
 * Goes live by enqueueing and cancelling probe jobs on that instance until every subscriber saw one, reports
 * "live", then on "expect" reports "done" once every subscriber has seen that many COMPLETED jobs or was ended.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export type SubscribersParentMessage = { type: 'expect'; completed: number };
export type SubscribersChildMessage =
  | { type: 'live'; probes: number }
  | { type: 'done'; caughtUp: number; ended: string[] }
  | { type: 'failed'; error: string };

const SUBSCRIPTION = 'subscription { jobUpdated(filter: { status: [COMPLETED, FAILED, CANCELLED] }) { id status } }';
const send = (message: SubscribersChildMessage) => process.send!(message);

interface Subscriber {
  seen: number;
  completed: number;
  ended: string | null;
}

async function graphql(port: number, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(body.errors[0].message);
  return body.data;
}

/** An error, an error message's errors, or the CloseEvent of a connection the server closed (its fields are getters). */
function describeEnding(error: unknown): string {
  if (error instanceof Error) return error.message;
  const close = error as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number')
    return `connection closed: ${close.code} ${typeof close.reason === 'string' ? close.reason : ''}`.trim();
  return JSON.stringify(error).slice(0, 200);
}

const until = async (probe: () => boolean | Promise<boolean>, intervalMs: number) => {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, intervalMs));
};

async function main(): Promise<void> {
  const [port, fileId, count] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
  const subscribers: Subscriber[] = Array.from({ length: count }, () => ({ seen: 0, completed: 0, ended: null }));
  subscribers.forEach((subscriber) => {
    // The server closes every connection as it stops; how each subscription ended is kept in `ended`, not printed.
    const client = createClient({
      url: `ws://127.0.0.1:${port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
    });
    client.subscribe<{ jobUpdated: { id: string; status: string } }>(
      { query: SUBSCRIPTION },
      {
        next: ({ data }) => {
          subscriber.seen++;
          if (data?.jobUpdated.status === 'COMPLETED') subscriber.completed++;
        },
        error: (error) => (subscriber.ended = describeEnding(error)),
        complete: () => (subscriber.ended = 'completed'),
      },
    );
  });
  let probes = 0;
  await until(async () => {
    const { enqueueJob } = await graphql(port, 'mutation($f: ID!) { enqueueJob(input: { fileId: $f }) { id } }', {
      f: fileId,
    });
    await graphql(port, 'mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: enqueueJob.id });
    probes++;
    return subscribers.every((subscriber) => subscriber.seen > 0);
  }, 100);
  send({ type: 'live', probes });
  process.on('message', (message: SubscribersParentMessage) => {
    void until(
      () => subscribers.every((subscriber) => subscriber.ended !== null || subscriber.completed >= message.completed),
      20,
    ).then(() =>
      send({
        type: 'done',
        caughtUp: subscribers.filter((subscriber) => subscriber.completed >= message.completed).length,
        ended: subscribers.flatMap((subscriber) => (subscriber.ended ? [subscriber.ended] : [])),
      }),
    );
  });
}

main().catch((error: Error) => {
  send({ type: 'failed', error: error.stack ?? error.message });
  process.disconnect();
});
