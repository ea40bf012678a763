import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Database from 'better-sqlite3';
import type { Client, Pool } from 'pg';
import type { Prisma as PostgresPrisma, PrismaClient as PostgresClient } from '.prisma/postgresql-client';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { DatabaseTarget, ResolvedJobQueueOptions } from '../job-queue.options';
import { endPoolWithin, POOL_CLOSE_TIMEOUT_MS, trackConnections } from './pool-shutdown';
import type { QueueDriver } from './queue-driver';

/**
 * The two generated clients share every model (a test keeps the schemas identical), so the rest of the
 * code is typed against one of them. Only the provider's driver (QueueDriver) knows which it has.
 */
export type DatabaseClient = PostgresClient;
export type { Prisma } from '.prisma/postgresql-client';

/** The SQL-building functions of a generated client's runtime. */
export type SqlFragments = Pick<typeof PostgresPrisma, 'sql' | 'raw' | 'empty' | 'join'>;

/**
 * What a provider opens: its pools (PostgreSQL), its Prisma client (made on first use), the Prisma namespace of that
 * client, its driver.
 */
export interface DatabaseConnection {
  pool: Pool | null;
  queuePool: Pool | null;
  client: () => DatabaseClient;
  readonly fragments: SqlFragments;
  driver: QueueDriver;
}

/**
 * Only the provider in use is loaded, with its Prisma client, adapter and database library: SQLite's in a
 * PostgreSQL worker process were ~3 MB of its peak RSS (the bench's burn-down worker: 167 -> 164 MB).
 */
/* eslint-disable @typescript-eslint/no-require-imports -- loaded on demand, see above */
const loadPostgres = () => require('./postgres/postgres-connection') as typeof import('./postgres/postgres-connection');
const loadSqlite = () => require('./sqlite/sqlite-connection') as typeof import('./sqlite/sqlite-connection');
/* eslint-enable @typescript-eslint/no-require-imports */

@Injectable()
export class PrismaService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  readonly target: DatabaseTarget;
  /**
   * Made on first use. What a worker does runs on the driver's statements (claims, outcomes, progress, the
   * extraction saved before an analysis that failed, the file lookup, the stalled sweep, the cleanup), so a
   * PostgreSQL worker-only process makes no Prisma client: the client and its query compiler were ~7 MB of the
   * bench's burn-down worker (peak RSS 160-163 -> 153-156 MB).
   */
  get client(): DatabaseClient {
    return (this.madeClient ??= this.makeClient());
  }
  private madeClient: DatabaseClient | null = null;
  private readonly makeClient: () => DatabaseClient;
  /** The PostgreSQL pool the client runs on (and advisory locks, migrations); null on SQLite. */
  readonly pool: Pool | null;
  /** PostgreSQL connections for the hot-path statements of the queue store (postgres-connection.ts); null on SQLite. */
  readonly queuePool: Pool | null;
  /** The connections each pool has open, so that shutdown can close those never handed back. */
  private readonly connections = new Map<Pool, Set<Client>>();
  /** Prisma's SQLite connection, once connected; null on PostgreSQL. */
  private sqlite: Database.Database | null = null;
  /**
   * Prisma.sql / raw / empty of the client in use: each generated client has its own runtime, and a fragment
   * built by the other one's is not recognised as SQL. Read on first use, like the client: a PostgreSQL worker builds
   * none, and loading its generated client was ~2 MB of the worker's RSS.
   */
  get fragments(): SqlFragments {
    return this.connection.fragments;
  }
  private readonly connection: DatabaseConnection;
  /** Everything else that differs by provider: chosen here, with the connections it runs on. */
  readonly driver: QueueDriver;

  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {
    this.target = options.database;
    const opened =
      this.target.provider === 'postgresql'
        ? loadPostgres().openPostgres(this, this.target.url)
        : loadSqlite().openSqlite(this, this.target.filePath, (db) => (this.sqlite = db));
    ({ pool: this.pool, queuePool: this.queuePool, client: this.makeClient, driver: this.driver } = opened);
    this.connection = opened;
    for (const pool of [this.pool, this.queuePool]) {
      if (!pool) continue;
      pool.on('error', (error) => this.logger.warn(`idle PostgreSQL connection failed: ${error.message}`));
      this.connections.set(pool, trackConnections(pool));
    }
  }

  /**
   * Runs `work` as one synchronous SQLite transaction on Prisma's own connection: nothing else can run in between
   * (JavaScript is single-threaded and better-sqlite3 synchronous), so it is atomic without an async lock, and far
   * cheaper than an interactive Prisma transaction. It waits while Prisma has a transaction open on the connection,
   * so that it never becomes part of one.
   */
  async sqliteTransaction<T>(work: (db: Database.Database) => T): Promise<T> {
    const db = this.sqlite;
    if (!db) throw new Error('sqliteTransaction needs the SQLite database to be connected');
    while (db.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    return db.transaction(() => work(db)).immediate();
  }

  /** Runs a read on Prisma's SQLite connection outside any transaction Prisma may have open on it. */
  async sqliteRead<T>(work: (db: Database.Database) => T): Promise<T> {
    const db = this.sqlite;
    if (!db) throw new Error('sqliteRead needs the SQLite database to be connected');
    while (db.inTransaction) await new Promise((resolve) => setImmediate(resolve));
    return work(db);
  }

  async onModuleInit(): Promise<void> {
    if (this.options.migrateOnStart) await this.migrate();
    await this.driver.prepareConnection();
  }

  /**
   * The last shutdown phase: workers drain in beforeApplicationShutdown and still need the database.
   *
   * The pools end first, Prisma disconnects after: end() lets what is under way finish and hand its connection back.
   * The other way round hung shutdown for good: every Prisma write is a transaction (a lone updateMany is BEGIN,
   * UPDATE, COMMIT), and $disconnect drops the transactions still waiting for their connection; the connection then
   * came anyway, was never handed back, and end() waited for it forever. A job's last progress write, begun as the
   * drained job finished, was caught so: the worker's close() hung in 1 of 8 runs of listen-connection-loss under CPU
   * load (3 of 4 full PostgreSQL runs), and the event bus, closed after this, never was.
   */
  async onApplicationShutdown(): Promise<void> {
    const pools = [this.pool, this.queuePool].filter((pool): pool is Pool => pool !== null);
    await Promise.all(pools.map((pool) => this.endPool(pool)));
    await this.madeClient?.$disconnect();
  }

  private async endPool(pool: Pool): Promise<void> {
    const closed = await endPoolWithin(pool, this.connections.get(pool)!, POOL_CLOSE_TIMEOUT_MS);
    if (closed > 0) {
      this.logger.warn(
        `closed ${closed} PostgreSQL connection(s) still in use ${POOL_CLOSE_TIMEOUT_MS} ms after shutdown began to close the pool`,
      );
    }
  }

  private async migrate(): Promise<void> {
    const applied = await this.driver.migrate();
    if (applied.length > 0) this.logger.log(`Applied migrations: ${applied.join(', ')}`);
  }
}
