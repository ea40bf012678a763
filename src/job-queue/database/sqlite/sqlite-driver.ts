import path from 'node:path';
import Database from 'better-sqlite3';
import type { PubSubEngine } from 'graphql-subscriptions';
import { loadMigrations, type Migration, migrateSqlite } from '../migrator';
import { PrismaJobRecords } from '../prisma-job-records';
import type { Prisma, PrismaService } from '../prisma.service';
import { SqlJobStatistics } from '../sql-job-statistics';
import type { EventBuses, ExclusiveLock, QueueDriver } from '../queue-driver';
import { SqliteQueueStore } from '../sqlite-queue-store';

/**
 * The locks held by the SQLite drivers of this process, by database file and key. SQLite has no advisory lock;
 * what this gives is exclusion among the instances of one process (tests, a host running two), while instances in
 * other processes on the same file are not excluded. They need not be for what the lock guards: the sweeps' writes
 * are serialised by SQLite's single writer, and each is conditional on the state it read (a stalled job is failed
 * only while it is still PROCESSING under the lease that ran out), so a second sweep finds nothing left to do.
 */
const heldLocks = new Set<string>();

/**
 * SQLite: the queue's statements are SqliteQueueStore's (synchronous transactions of prepared statements on
 * Prisma's own connection); timestamps are epoch milliseconds, events stay in the process.
 */
export class SqliteDriver extends SqliteQueueStore implements QueueDriver {
  readonly provider = 'sqlite';
  readonly jobStates = 'processing_jobs';
  readonly records: PrismaJobRecords;
  readonly statistics: SqlJobStatistics;

  constructor(
    private readonly connection: PrismaService,
    private readonly filePath: string,
  ) {
    super(connection);
    this.records = new PrismaJobRecords(connection, this);
    this.statistics = new SqlJobStatistics(connection, this);
  }

  migrations(): Migration[] {
    return loadMigrations('sqlite');
  }

  /** On a connection of its own, closed after: Prisma's may not be open yet. Synchronous; a failure rejects. */
  migrate(): Promise<string[]> {
    return new Promise((resolve) => {
      const db = new Database(this.filePath, { timeout: 10_000 });
      try {
        db.pragma('journal_mode = WAL');
        resolve(migrateSqlite(db, this.migrations()));
      } finally {
        db.close();
      }
    });
  }

  async prepareConnection(): Promise<void> {
    const { client } = this.connection;
    // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes in WAL mode.
    await client.$queryRawUnsafe('PRAGMA journal_mode = WAL');
    await client.$executeRawUnsafe('PRAGMA synchronous = NORMAL');
    await client.$executeRawUnsafe('PRAGMA foreign_keys = ON');
  }

  async runExclusive<T>(lock: ExclusiveLock, work: () => Promise<T>): Promise<T | undefined> {
    const name = `${path.resolve(this.filePath)}#${lock.key}`;
    if (heldLocks.has(name)) return undefined;
    heldLocks.add(name);
    try {
      return await work();
    } finally {
      heldLocks.delete(name);
    }
  }

  /** Timestamps are stored as epoch milliseconds: the difference is already in milliseconds. */
  millisBetween(from: string, to: string): Prisma.Sql {
    return this.connection.fragments.raw(`(${to} - ${from})`);
  }

  /**
   * The adapter binds JS numbers as REAL, so the division is a float's (1.33 for a job 80 minutes into hourly
   * periods): CAST truncates it, which floors, since rows before `since` are excluded.
   */
  bucketSince(column: string, since: Date, bucketMs: number): Prisma.Sql {
    const { sql, raw } = this.connection.fragments;
    return sql`CAST((${raw(column)} - ${since.getTime()}) / ${bucketMs} AS INTEGER)`;
  }

  indexedBy(index: string): Prisma.Sql {
    return this.connection.fragments.raw(`INDEXED BY "${index}"`);
  }

  createEventBus(buses: EventBuses): PubSubEngine {
    return buses.inProcess();
  }
}
