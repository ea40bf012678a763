import WebSocket from 'ws';
import type { WsLimitSettings } from '../../src/http-security/ws-limits';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { AUDIENCE, authSettings, HS256_SECRET, hs256, ISSUER } from '../support/sign-in';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const LIMITS: WsLimitSettings = { maxConnectionsPerCaller: 2, maxSubscriptionsPerCaller: 3 };
const JOB_UPDATED = 'subscription { jobUpdated { id } }';

interface Message {
  type: string;
  id?: string;
  payload?: any;
}

/** A graphql-ws connection spoken frame by frame, so a test sees the exact close code and each message in order. */
class RawConnection {
  private readonly received: Message[] = [];
  private readonly waiters: (() => void)[] = [];
  private pings = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.received.push(JSON.parse(data.toString('utf8')));
      this.waiters.splice(0).forEach((wake) => wake());
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    void this.closed.then(() => this.waiters.splice(0).forEach((wake) => wake()));
  }

  /** Opens a socket and sends connection_init with the token; resolves once the upgrade succeeded. */
  static async open(url: string, token: string): Promise<RawConnection> {
    const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const connection = new RawConnection(socket);
    connection.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    return connection;
  }

  send(message: Message): void {
    this.socket.send(JSON.stringify(message));
  }

  /** The first message (from the start) that matches; rejects if the socket closes first. */
  async next(matches: (message: Message) => boolean): Promise<Message> {
    for (;;) {
      const found = this.received.find(matches);
      if (found) return found;
      if (this.socket.readyState === WebSocket.CLOSED)
        throw new Error(`closed while waiting; received ${JSON.stringify(this.received)}`);
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  /** Resolves once the server handled every message sent before: graphql-ws answers pings in order. */
  async settled(): Promise<void> {
    const mark = `ping-${++this.pings}`;
    this.send({ type: 'ping', payload: { mark } });
    await this.next((message) => message.type === 'pong' && message.payload?.mark === mark);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close(1000);
    return this.closed;
  }
}

/** Caps of graphql-ws per caller (GRAPHQL_WS_MAX_*): 4429 for a connection over the cap, RATE_LIMITED for a subscribe. */
describe(`graphql-ws connection and subscription caps (${databaseLabel})`, () => {
  let database: TestDatabase;
  let app: TestApp;
  const tokens: Record<string, string> = {};
  const opened: RawConnection[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database, {
      app: { auth: authSettings({ jwtSecret: HS256_SECRET, issuer: ISSUER, audience: AUDIENCE }), wsLimits: LIMITS },
      queue: { workersEnabled: false },
    });
    for (const user of ['alice', 'bob', 'carol']) tokens[user] = await hs256({ sub: user });
  });
  afterAll(async () => {
    await Promise.all(opened.map((connection) => connection.close()));
    await app?.close();
    await database?.drop();
  });

  const connect = async (user: string) => {
    const connection = await RawConnection.open(app.url, tokens[user]);
    opened.push(connection);
    return connection;
  };
  const acknowledged = (connection: RawConnection) => connection.next((message) => message.type === 'connection_ack');

  it("closes a caller's connection over the cap with 4429; other callers connect, and a freed slot is taken again", async () => {
    const [first, second] = [await connect('alice'), await connect('alice')];
    await Promise.all([acknowledged(first), acknowledged(second)]);
    const third = await connect('alice');
    expect(await third.closed).toEqual({
      code: 4429,
      reason: 'Too many connections: 2 (GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER)',
    });
    await acknowledged(await connect('bob'));
    // The server forgets a closed connection when its own socket closes, which may come just after the client's.
    await first.close();
    await waitFor(async () => {
      const retry = await connect('alice');
      return acknowledged(retry).then(
        () => true,
        () => false,
      );
    });
  });

  it('refuses a subscribe over the per-caller cap (across its connections) with RATE_LIMITED, the socket open; a completed one frees a slot', async () => {
    const [first, second] = [await connect('carol'), await connect('carol')];
    await Promise.all([acknowledged(first), acknowledged(second)]);
    first.send({ type: 'subscribe', id: 'a', payload: { query: JOB_UPDATED } });
    first.send({ type: 'subscribe', id: 'b', payload: { query: JOB_UPDATED } });
    second.send({ type: 'subscribe', id: 'c', payload: { query: JOB_UPDATED } });
    await Promise.all([first.settled(), second.settled()]);
    second.send({ type: 'subscribe', id: 'd', payload: { query: JOB_UPDATED } });
    expect(await second.next((message) => message.id === 'd')).toEqual({
      type: 'error',
      id: 'd',
      payload: [
        {
          message: 'Too many subscriptions: at most 3 at once per caller (GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER)',
          extensions: { code: 'RATE_LIMITED', limit: 'GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER' },
        },
      ],
    });
    // Another caller is not affected; carol, once one of hers is completed, is served again on the same socket.
    const bob = await connect('bob');
    await acknowledged(bob);
    bob.send({ type: 'subscribe', id: 'x', payload: { query: '{ jobs { totalCount } }' } });
    expect(await bob.next((message) => message.id === 'x')).toEqual({
      type: 'next',
      id: 'x',
      payload: { data: { jobs: { totalCount: 0 } } },
    });
    first.send({ type: 'complete', id: 'a' });
    await first.settled();
    second.send({ type: 'subscribe', id: 'e', payload: { query: '{ jobs { totalCount } }' } });
    expect(await second.next((message) => message.id === 'e')).toEqual({
      type: 'next',
      id: 'e',
      payload: { data: { jobs: { totalCount: 0 } } },
    });
  });
});
