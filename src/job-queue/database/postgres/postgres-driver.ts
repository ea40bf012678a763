import { Logger } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import type { Pool } from 'pg';
import { onCheckedOutConnection } from './checked-out-connection';
import { loadMigrations, type Migration, migratePostgres } from '../migrator';
import { PostgresQueueStore } from '../postgres-queue-store';
import { PrismaJobRecords } from '../prisma-job-records';
import type { Prisma, PrismaService } from '../prisma.service';
import { SqlJobStatistics } from '../sql-job-statistics';
import type { EventBuses, ExclusiveLock, QueueDriver } from '../queue-driver';

/**
 * PostgreSQL: the queue's statements are PostgresQueueStore's (one prepared statement each on the queue pool);
 * locks are session advisory locks, events go by LISTEN/NOTIFY, timestamps are timestamptz.
 */
export class PostgresDriver extends PostgresQueueStore implements QueueDriver {
  readonly provider = 'postgresql';
  readonly jobStates = 'job_states';
  readonly records: PrismaJobRecords;
  readonly statistics: SqlJobStatistics;
  private readonly logger = new Logger(PostgresDriver.name);

  constructor(
    private readonly connection: PrismaService,
    private readonly url: string,
  ) {
    super(connection);
    this.records = new PrismaJobRecords(connection, this);
    this.statistics = new SqlJobStatistics(connection, this);
  }

  private get pool(): Pool {
    return this.connection.pool!;
  }

  migrations(): Migration[] {
    return loadMigrations('postgresql');
  }

  migrate(): Promise<string[]> {
    return migratePostgres(this.pool, this.migrations());
  }

  /** The claim loop starts with boot: its first claim should not also pay for a new connection. */
  async prepareConnection(): Promise<void> {
    await this.connection.queuePool!.query('SELECT 1');
  }

  async runExclusive<T>(lock: ExclusiveLock, work: () => Promise<T>): Promise<T | undefined> {
    // The lock lives as long as this connection: a lost connection takes it along, and the sweep's own statements
    // fail or finish on their own.
    const onLost = (error: Error) =>
      this.logger.warn(`connection holding the ${lock.name} lock was lost: ${error.message}`);
    return onCheckedOutConnection(
      this.pool,
      async (connection, session) => {
        const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
          lock.key,
        ]);
        if (!rows[0].locked) return undefined;
        try {
          return await work();
        } finally {
          if (!session.lost) await connection.query('SELECT pg_advisory_unlock($1)', [lock.key]).catch(session.discard);
        }
      },
      onLost,
    );
  }

  /**
   * date_part gives a double where EXTRACT gives a numeric, whose average over a day's completions (100,000 at 1M
   * jobs) took twice as long.
   */
  millisBetween(from: string, to: string): Prisma.Sql {
    return this.connection.fragments.raw(`date_part('epoch', ${to} - ${from}) * 1000`);
  }

  bucketSince(column: string, since: Date, bucketMs: number): Prisma.Sql {
    const { sql, raw } = this.connection.fragments;
    return sql`floor(date_part('epoch', ${raw(column)} - ${since}::timestamptz) * 1000 / ${bucketMs})::int`;
  }

  indexedBy(_index: string): Prisma.Sql {
    return this.connection.fragments.empty; // PostgreSQL's planner has the table's statistics
  }

  createEventBus(buses: EventBuses): PubSubEngine {
    return buses.listenNotify(this.url);
  }
}
