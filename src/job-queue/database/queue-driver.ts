import type { PubSubEngine } from 'graphql-subscriptions';
import type { JobRecords } from './job-records';
import type { JobStatistics } from './job-statistics';
import type { Migration } from './migrator';
import type { Prisma } from './prisma.service';
import type { QueueStore } from './queue-store';

/**
 * Everything whose SQL or mechanism differs by database provider, and every read or write of a job's state, behind
 * one object per provider (the model is River's riverdriver: one driver per database, one conformance suite every
 * driver passes): the queue's statements (QueueStore), what the API reads and changes by hand (records), the
 * statistics (statistics). Features go through Prisma only for the stored files and the readiness probe; nothing else
 * asks which provider it runs on, nor how a job is kept. PrismaService opens the connections and picks the driver;
 * features inject it as QUEUE_DRIVER.
 *
 * Adding a provider: connection set-up in PrismaService, a Prisma schema and migrations under prisma/<provider>,
 * and one class implementing this interface that passes test/database/driver-conformance.spec.ts.
 */
export interface QueueDriver extends QueueStore {
  readonly provider: 'sqlite' | 'postgresql';

  /** What the API reads of jobs and changes by hand (one job, listings, counts, attempts, cancel, retry). */
  readonly records: JobRecords;

  /** The aggregates behind jobStats, queueHealth, the dashboard's chart and /metrics. */
  readonly statistics: JobStatistics;

  /** The committed migrations of this provider, oldest first (readiness checks that the newest is applied). */
  migrations(): Migration[];

  /** Applies the migrations not yet recorded, serialised against other instances migrating the same database. */
  migrate(): Promise<string[]>;

  /** Session settings and warm-up once Prisma has connected, before the first query of the service. */
  prepareConnection(): Promise<void>;

  /**
   * Runs `work` while holding `lock` against every other holder of the same key on this database, or returns
   * undefined at once (without running it) when another holder has it. Sweeps use it to run on one instance.
   */
  runExclusive<T>(lock: ExclusiveLock, work: () => Promise<T>): Promise<T | undefined>;

  /**
   * The table that holds every job's state (status, start and end times, error, and copies of its format, priority,
   * creation time and owner), which the statistics read alone: PostgreSQL keeps it apart from the job's record
   * (job_states), SQLite in the one row of the job (processing_jobs).
   */
  readonly jobStates: string;

  /** Milliseconds between two timestamp columns as a number, for the statistics' averages. */
  millisBetween(from: string, to: string): Prisma.Sql;

  /**
   * The whole number of `bucketMs` periods from `since` to a timestamp column (0 for the first period), for time
   * series grouped in the database (the dashboard's completions and failures chart). Rows before `since` are the
   * caller's to exclude.
   */
  bucketSince(column: string, since: Date, bucketMs: number): Prisma.Sql;

  /**
   * Goes after a table name in FROM: tells the planner to read the table through `index`, where the database needs
   * telling (SQLite keeps no statistics unless told to gather them, so its planner guesses), or nothing.
   */
  indexedBy(index: string): Prisma.Sql;

  /**
   * The bus by which the instances sharing this database hear each other's job events. The buses are written
   * above the database layer (events/), so they are handed in; the driver picks the one its database supports.
   */
  createEventBus(buses: EventBuses): PubSubEngine;
}

export interface ExclusiveLock {
  /** Stable across instances and releases: it names the lock in the database. */
  key: number;
  /** For log lines. */
  name: string;
}

/** The event buses a driver may choose from. */
export interface EventBuses {
  /** Subscribers of this process only (instances in other processes poll the database instead). */
  inProcess(): PubSubEngine;
  /** PostgreSQL LISTEN/NOTIFY on its own connections to `url`: every instance on the database hears every event. */
  listenNotify(url: string): PubSubEngine;
}
