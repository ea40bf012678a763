import type { AddressInfo } from 'node:net';
import { buildSchema, type ExecutionResult, GraphQLError } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket, { WebSocketServer } from 'ws';
import { AsyncQueue } from '../../src/job-queue/common/async-queue';
import type { Caller } from '../../src/job-queue/common/caller';
import { authenticateConnections } from '../../src/job-queue/common/connection-callers';
import { shareSubscriptions } from '../../src/job-queue/common/shared-subscriptions';
import { waitFor } from '../support/test-app';

// The transport the service runs (through Nest); its subpath is an export that this tsconfig's resolution does not read.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/dist/use/ws');

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Update { id: ID, text: String }
  type Subscription { jobUpdated(filter: String): Update, jobProgress(jobId: ID): Update }
`);
const UPDATES = 'subscription { jobUpdated { id text } }';
const result = (id: number, text = ''): ExecutionResult => ({ data: { jobUpdated: { id: String(id), text } } });

/** waitFor with a label: what was awaited, in the timeout's message. */
const until = (condition: () => boolean, what: string, timeoutMs = 20_000) =>
  waitFor(condition, timeoutMs, 5).catch(() => {
    throw new Error(`timed out waiting for ${what}`);
  });

interface Run {
  /** The client's own socket. */
  socket: () => { pause(): void; resume(): void };
  ids: string[];
  /** Each result's text, in the order received. */
  texts: string[];
  errors: string[];
  /** 'open', 'completed', or the error's message. */
  ending: string;
  cancel: () => void;
}

/**
 * shareSubscriptions behind a real graphql-ws server (graphql-ws/use/ws on a ws server) and real graphql-ws clients:
 * the shared stream writes its subscribers' messages to their sockets itself, so graphql-ws's own wiring is part of
 * what is tested. Each subscription's source is a queue the test pushes results into.
 */
describe('shareSubscriptions', () => {
  let server: WebSocketServer;
  let url: string;
  let sources: AsyncQueue<ExecutionResult>[];
  /** Sources closed (by shareSubscriptions, once no one follows them). */
  const closed = new Set<AsyncQueue<ExecutionResult>>();
  let maxUnread: number;
  /** Subscriptions that shareSubscriptions has answered: from then on, each gets every result pushed. */
  let attached: number;
  /** Writes to each server-side socket. */
  const writes = new Map<WebSocket, number>();
  const clients: Client[] = [];

  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The caller is whoever connectionParams.user names; "nobody" is left unknown (its subscriptions run alone).
    const resolveCaller = (context: { connectionParams?: Readonly<Record<string, unknown>> }): Caller => ({
      userId: String(context.connectionParams?.user),
      isAdmin: false,
    });
    const authenticate = authenticateConnections(resolveCaller as never);
    const share = shareSubscriptions({
      fields: ['jobUpdated'],
      get maxUnread() {
        return maxUnread;
      },
      subscribe: () => {
        const source: AsyncQueue<ExecutionResult> = new AsyncQueue<ExecutionResult>(() => closed.add(source));
        sources.push(source);
        return source as unknown as AsyncGenerator<ExecutionResult, void, void>;
      },
    });
    useServer(
      {
        schema,
        context: (connection) => ({ req: connection }),
        onConnect: (connection) => (connection.connectionParams?.user === 'nobody' ? true : authenticate(connection)),
        subscribe: async (args) => {
          const subscribed = await share(args);
          attached++;
          return subscribed;
        },
      },
      server,
    );
    server.on('connection', (socket) => {
      writes.set(socket, 0);
      socket.once('close', () => writes.delete(socket));
      const raw = (socket as unknown as { _socket: { write: (...args: unknown[]) => boolean } })._socket;
      const write = raw.write.bind(raw);
      raw.write = (...args: unknown[]) => {
        writes.set(socket, (writes.get(socket) ?? 0) + 1);
        return write(...args);
      };
    });
  });

  beforeEach(() => {
    sources = [];
    attached = 0;
    maxUnread = 100;
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(async (client) => client.dispose()));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const subscribe = (user: string, query = UPDATES): Run => {
    let socket: WebSocket | undefined;
    const created = (instance: WebSocket) => (socket = instance);
    const client = createClient({
      url,
      webSocketImpl: class extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          created(this);
        }
      },
      retryAttempts: 0,
      lazy: false,
      connectionParams: { user },
    });
    clients.push(client);
    const run: Run = {
      socket: () => (socket as unknown as { _socket: ReturnType<Run['socket']> })._socket,
      ids: [],
      texts: [],
      errors: [],
      ending: 'open',
      cancel: () => undefined,
    };
    run.cancel = client.subscribe<{ jobUpdated: { id: string; text: string } }>(
      { query },
      {
        next: (message) => {
          if (message.data) run.ids.push(message.data.jobUpdated.id);
          if (message.data) run.texts.push(message.data.jobUpdated.text);
          for (const error of message.errors ?? []) run.errors.push(error.message);
        },
        error: (error) =>
          (run.ending = Array.isArray(error) ? error[0].message : String((error as Error).message ?? error)),
        complete: () => (run.ending = 'completed'),
      },
    );
    return run;
  };

  const live = (count: number) => until(() => attached === count, `${count} subscriptions`);

  /**
   * Two subscribers of one stream, live; the second's client stops reading its socket, so that the server's writes to
   * it stop completing once the kernel's buffers are full.
   */
  const readerAndStuck = async (user: string): Promise<[Run, Run]> => {
    const [reader, stuck] = [subscribe(user), subscribe(user)];
    await until(() => sources.length === 1, 'the shared source');
    await live(2);
    stuck.socket().pause();
    return [reader, stuck];
  };

  it('runs one source for identical subscriptions of one caller, writes each result to all in order, and closes it with the last', async () => {
    const [first, second, other] = [subscribe('alice'), subscribe('alice'), subscribe('bob')];
    await until(() => sources.length === 2, 'a source for alice and one for bob');
    await live(3);
    const alices = sources[0];
    for (const id of [1, 2, 3]) alices.push(result(id));
    alices.push({ data: null, errors: [new GraphQLError('boom')] });
    await until(() => first.errors.length + second.errors.length === 2, 'the error result');
    expect(first.ids).toEqual(['1', '2', '3']);
    expect(second.ids).toEqual(['1', '2', '3']);
    expect([first.errors, second.errors]).toEqual([['boom'], ['boom']]);
    expect(other.ids).toEqual([]);

    first.cancel();
    alices.push(result(4));
    await until(() => second.ids.length === 4, 'the update after the first left');
    expect(first.ids).toEqual(['1', '2', '3']);
    expect(closed.has(alices)).toBe(false);
    second.cancel();
    await until(() => closed.has(alices), 'the source to close with the last subscriber');
    subscribe('alice'); // a new subscription after the last left starts a new source
    await until(() => sources.length === 3, 'a new source');
  });

  it('ends every subscriber as the source ends: completed, or with its error after the results before it', async () => {
    const [first, second] = [subscribe('dave'), subscribe('dave')];
    await until(() => sources.length === 1, 'the shared source');
    await live(2);
    sources[0].push(result(1));
    sources[0].end();
    await until(() => first.ending !== 'open' && second.ending !== 'open', 'both to end');
    expect([first.ids, first.ending, second.ids, second.ending]).toEqual([['1'], 'completed', ['1'], 'completed']);

    const [third, fourth] = [subscribe('erin'), subscribe('erin')];
    await until(() => sources.length === 2, 'the second shared source');
    await live(4);
    sources[1].push(result(2));
    sources[1].fail(new Error('events may have been missed'));
    await until(() => third.ending !== 'open' && fourth.ending !== 'open', 'both to end');
    expect([third.ids, third.ending, fourth.ids, fourth.ending]).toEqual([
      ['2'],
      'events may have been missed',
      ['2'],
      'events may have been missed',
    ]);
  });

  it('runs subscriptions of other callers, other documents, unshared fields and unknown callers on their own', async () => {
    subscribe('alice');
    subscribe('bob');
    subscribe('alice', 'subscription { jobUpdated(filter: "csv") { id } }');
    subscribe('alice', 'subscription { jobProgress(jobId: "1") { id } }');
    subscribe('nobody');
    subscribe('nobody');
    await until(() => sources.length === 6, 'six sources');
    await live(6);
    expect(sources).toHaveLength(6);
  });

  it('writes the results that arrive within a few milliseconds to each socket at once, not one write per result', async () => {
    const runs = [subscribe('frank'), subscribe('frank')];
    await until(() => sources.length === 1, 'the shared source');
    await live(2);
    const before = new Map(writes);
    for (let id = 1; id <= 100; id++) sources[0].push(result(id));
    await until(() => runs.every((run) => run.ids.length === 100), 'every result at both');
    for (const run of runs) expect(run.ids).toEqual(Array.from({ length: 100 }, (_, index) => String(index + 1)));
    // Through graphql-ws these were 200 writes per socket (ws writes a message's header and payload apart).
    expect(writes.size).toBe(2);
    for (const [socket, count] of writes) expect(count - before.get(socket)!).toBeLessThanOrEqual(5);
  });

  it('ends a subscriber whose socket takes no more with an error once more than maxUnread results wait, while the other gets every result', async () => {
    maxUnread = 5;
    const [reader, stuck] = await readerAndStuck('carol');
    const big = 'x'.repeat(64 * 1024);
    for (let id = 1; id <= 400; id++) {
      sources[0].push(result(id, big));
      if (id % 50 === 0)
        await until(
          () => reader.ids.length === id,
          `the reader to have ${id} (it has ${reader.ids.length}, the stuck one ${stuck.ids.length})`,
        );
    }
    expect(reader.ids).toEqual(Array.from({ length: 400 }, (_, index) => String(index + 1)));
    expect(reader.ending).toBe('open');

    stuck.socket().resume();
    await until(() => stuck.ending !== 'open', 'the stuck subscriber to be ended');
    expect(stuck.ending).toBe(
      'subscriber ended: it left more than 5 updates unread, so that it holds back no other subscriber; read again and subscribe again',
    );
    // What it had been written before, in order and without a gap; the rest was dropped.
    expect(stuck.ids.length).toBeLessThan(400);
    expect(stuck.ids).toEqual(Array.from({ length: stuck.ids.length }, (_, index) => String(index + 1)));
    expect([reader.ending, reader.ids.length, closed.has(sources[0])]).toEqual(['open', 400, false]);
  });

  it('delivers every message whole to a subscriber whose writes wait on its socket while the others are written', async () => {
    // Batches are framed in buffers used again once their write is done: one taken back while the stuck socket's
    // write still waited on it would hand the stuck client another subscriber's frames.
    maxUnread = 10_000;
    const [reader, stuck] = await readerAndStuck('erin');
    const textOf = (id: number) => `${id}:`.repeat(3_000); // 15-18 KB: a few to a batch, framed in one buffer
    const count = 1_500; // ~25 MB, more than the kernel's buffers take for a client that does not read
    for (let id = 1; id <= count; id++) {
      sources[0].push(result(id, textOf(id)));
      if (id % 100 === 0) await until(() => reader.ids.length === id, `the reader to have ${id}`);
    }
    expect(stuck.ids.length).toBeLessThan(count); // held back: its writes waited while the reader's went on
    stuck.socket().resume();
    await until(() => stuck.ids.length === count || stuck.ending !== 'open', 'the stuck subscriber to catch up');
    for (const run of [reader, stuck]) {
      expect([run.ending, run.errors, run.ids.length]).toEqual(['open', [], count]);
      const wrong = run.ids.findIndex(
        (id, index) => id !== String(index + 1) || run.texts[index] !== textOf(index + 1),
      );
      expect(wrong).toBe(-1);
    }
  });
});
