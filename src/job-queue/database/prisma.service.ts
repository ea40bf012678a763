import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type Database from 'better-sqlite3';
import { type Client, Pool } from 'pg';
import { Prisma as PostgresPrisma, PrismaClient as PostgresClient } from '.prisma/postgresql-client';
import { Prisma as SqlitePrisma, PrismaClient as SqliteClient } from '.prisma/sqlite-client';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { DatabaseTarget, ResolvedJobQueueOptions } from '../job-queue.options';
import { endPoolWithin, POOL_CLOSE_TIMEOUT_MS, trackConnections } from './pool-shutdown';
import { PostgresDriver } from './postgres/postgres-driver';
import type { QueueDriver } from './queue-driver';
import { SqliteDriver } from './sqlite/sqlite-driver';

/**
 * Connections per instance. Hot-path statements are batched, so a few connections carry any concurrency; staying
 * small lets many instances share PostgreSQL's default max_connections (100).
 */
const POOL_SIZE = 12;
/** Connections of the queue's own statements (claim, complete, insert): each carries a whole batch. */
const QUEUE_POOL_SIZE = 4;
/**
 * The queue's statements touch a batch of rows by key or walk the claim index in order. A table filled since its
 * statistics were last gathered (a bulk enqueue, a fresh database) makes the planner sort or scan every queued
 * job instead, 10-50x slower; on these connections only keyed, ordered plans are left to choose from.
 */
const QUEUE_PLANNER_OPTIONS = [
  'enable_seqscan',
  'enable_bitmapscan',
  'enable_sort',
  'enable_hashjoin',
  'enable_mergejoin',
]
  .map((setting) => `-c ${setting}=off`)
  .join(' ');

/**
 * The two generated clients share every model (a test keeps the schemas identical), so the rest of the
 * code is typed against one of them. Only the provider's driver (QueueDriver) knows which it has.
 */
export type DatabaseClient = PostgresClient;
export type { Prisma } from '.prisma/postgresql-client';

@Injectable()
export class PrismaService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PrismaService.name);
  readonly target: DatabaseTarget;
  readonly client: DatabaseClient;
  /** The PostgreSQL pool the client runs on (and advisory locks, migrations); null on SQLite. */
  readonly pool: Pool | null;
  /** PostgreSQL connections for the hot-path statements of the queue store (see QUEUE_PLANNER_OPTIONS); null on SQLite. */
  readonly queuePool: Pool | null;
  /** The connections each pool has open, so that shutdown can close those never handed back. */
  private readonly connections = new Map<Pool, Set<Client>>();
  /** Prisma's SQLite connection, once connected; null on PostgreSQL. */
  private sqlite: Database.Database | null = null;
  /**
   * Prisma.sql / raw / empty of the client in use: each generated client has its own runtime, and a fragment
   * built by the other one's is not recognised as SQL.
   */
  readonly fragments: Pick<typeof PostgresPrisma, 'sql' | 'raw' | 'empty' | 'join'>;
  /** Everything else that differs by provider: chosen here, with the connections it runs on. */
  readonly driver: QueueDriver;

  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {
    this.target = options.database;
    if (this.target.provider === 'postgresql') {
      this.pool = new Pool({ connectionString: this.target.url, max: POOL_SIZE });
      this.queuePool = new Pool({
        connectionString: this.target.url,
        max: QUEUE_POOL_SIZE,
        options: QUEUE_PLANNER_OPTIONS,
      });
      for (const pool of [this.pool, this.queuePool]) {
        pool.on('error', (error) => this.logger.warn(`idle PostgreSQL connection failed: ${error.message}`));
        this.connections.set(pool, trackConnections(pool));
      }
      this.client = new PostgresClient({ adapter: new PrismaPg(this.pool) });
      this.fragments = PostgresPrisma;
      this.driver = new PostgresDriver(this, this.target.url);
    } else {
      this.pool = null;
      this.queuePool = null;
      mkdirSync(path.dirname(path.resolve(this.target.filePath)), { recursive: true });
      const adapter = new PrismaBetterSQLite3(
        { url: `file:${this.target.filePath}`, timeout: 10_000 },
        { timestampFormat: 'unixepoch-ms' },
      );
      // Keep the adapter's connection: the hot path runs synchronous transactions on it (see sqliteTransaction).
      const connect = adapter.connect.bind(adapter);
      adapter.connect = async () => {
        const connected = await connect();
        this.sqlite = (connected as unknown as { client: Database.Database }).client;
        return connected;
      };
      this.client = new SqliteClient({ adapter }) as unknown as DatabaseClient; // same models, another client class
      this.fragments = SqlitePrisma;
      this.driver = new SqliteDriver(this, this.target.filePath);
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
    await this.client.$connect();
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
    await this.client.$disconnect();
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
