import { Client as PgClient, type Pool, type PoolClient } from 'pg';
import { POOL_CLOSE_TIMEOUT_MS } from '../../src/job-queue/database/pool-shutdown';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { within } from '../support/slow-host-process';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/**
 * A Prisma write is a transaction (BEGIN, UPDATE, COMMIT), even a lone updateMany. One that was still getting its
 * connection when the instance closed its database (a job's last progress write, begun just as the job finished)
 * used to hang close() for good: Prisma's $disconnect dropped the transaction, the connection it was waiting for
 * still arrived, was never handed back, and pg's pool.end() waited for it forever (the worker's close() in
 * listen-connection-loss hung in 1 of 8 runs under CPU load, 3 of 4 full PostgreSQL runs).
 */
describePostgres('Shutdown with a database write in flight (PostgreSQL)', () => {
  let database: TestDatabase;
  let service: TestApp | null;

  beforeEach(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
  });

  afterEach(async () => {
    await service?.close();
    await database.drop();
  });

  /** Holds the next connection the pool hands out until the database layer starts closing (its pool ends or Prisma disconnects). */
  function holdNextConnectionUntilClosing(app: TestApp): Promise<void> {
    const pool = app.prisma.pool!;
    let closing!: () => void;
    const closingStarted = new Promise<void>((resolve) => (closing = resolve));
    const end = pool.end.bind(pool);
    pool.end = () => (closing(), end());
    const disconnect = app.prisma.client.$disconnect.bind(app.prisma.client);
    app.prisma.client.$disconnect = () => (closing(), disconnect());
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    let handedOut!: () => void;
    const connectionHeld = new Promise<void>((resolve) => (handedOut = resolve));
    // Only the promise form, as Prisma's transactions use it; pool.query's callback form passes straight through.
    pool.connect = ((...args: unknown[]) => {
      if (args.length > 0) return connect(...args);
      pool.connect = connect as Pool['connect'];
      return (connect() as Promise<PoolClient>).then(async (client) => {
        handedOut();
        await closingStarted;
        return client;
      });
    }) as Pool['connect'];
    return connectionHeld;
  }

  const connectionsLeft = async () => {
    const admin = new PgClient({ connectionString: database.url });
    await admin.connect();
    try {
      const { rows } = await admin.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      return rows[0].n as number;
    } finally {
      await admin.end();
    }
  };

  it('close() ends, the write commits, and no connection of the instance is left', async () => {
    const app = service!;
    const connectionHeld = holdNextConnectionUntilClosing(app);
    // A Prisma query starts when it is awaited: Promise.resolve() starts it now, as a progress write starts.
    const write = Promise.resolve(
      app.prisma.client.processingJob.updateMany({ where: { id: 'no-such-job' }, data: { progress: 1 } }),
    );
    write.catch(() => undefined); // asserted below; not an unhandled rejection meanwhile
    await connectionHeld;

    service = null;
    await within(app.close(), 20_000, 'the instance to close');
    await expect(write).resolves.toEqual({ count: 0 });

    await waitFor(async () => (await connectionsLeft()) === 0, 10_000);
  });

  it(
    'a connection never handed back is closed after POOL_CLOSE_TIMEOUT_MS, and close() ends',
    async () => {
      const app = service!;
      const held = await app.prisma.pool!.connect(); // and never released
      service = null;
      const started = Date.now();
      await within(app.close(), POOL_CLOSE_TIMEOUT_MS + 10_000, 'the instance to close');
      expect(Date.now() - started).toBeGreaterThanOrEqual(POOL_CLOSE_TIMEOUT_MS);
      await expect(held.query('SELECT 1')).rejects.toThrow();
      await waitFor(async () => (await connectionsLeft()) === 0, 10_000);
    },
    POOL_CLOSE_TIMEOUT_MS + 30_000,
  );
});
