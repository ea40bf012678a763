import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service';
import type { QueueDriver } from '../../database/queue-driver';
import { QUEUE_DRIVER } from '../../job-queue.constants';
import { databaseErrorCode } from '../../common/database-unavailable';
import { databaseFailure, withTimeout } from './check-failure';

/** How long readiness waits for the database; an orchestrator's probe typically gives up after 1-10 s. */
export const READINESS_TIMEOUT_MS = 3000;

export type Readiness =
  { ready: true; database: 'sqlite' | 'postgresql'; migration: string | null } | { ready: false; reason: string };

/**
 * Whether this instance should get traffic: the database answers, the newest migration this code knows is recorded,
 * and the instance is not shutting down. The queue's own health (success rate, backlog) is not part of it: taking an
 * instance out of service cannot mend a backlog, and users' bad files must not take it out (issue 11).
 */
@Injectable()
export class ReadinessService implements OnModuleDestroy {
  private shuttingDown = false;
  private readonly newestMigration: string | null;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(QUEUE_DRIVER) private readonly driver: QueueDriver,
  ) {
    this.newestMigration = driver.migrations().at(-1)?.name ?? null;
  }

  /**
   * Nest runs every onModuleDestroy before any beforeApplicationShutdown, where the workers drain, and closes the
   * HTTP server only after that: so for the whole drain readiness answers 503 and load balancers move traffic away.
   */
  onModuleDestroy(): void {
    this.shuttingDown = true;
  }

  async check(): Promise<Readiness> {
    if (this.shuttingDown) return { ready: false, reason: 'shutdown: the instance is shutting down' };
    try {
      await withTimeout(this.prisma.client.$queryRawUnsafe('SELECT 1'), READINESS_TIMEOUT_MS);
    } catch (error) {
      return { ready: false, reason: databaseFailure(error) };
    }
    const migrationReason = await this.missingMigration();
    if (migrationReason) return { ready: false, reason: migrationReason };
    return { ready: true, database: this.driver.provider, migration: this.newestMigration };
  }

  private async missingMigration(): Promise<string | null> {
    const newest = this.newestMigration;
    if (!newest) return null;
    try {
      const rows = await withTimeout(
        this.prisma.client.$queryRaw<unknown[]>`
          SELECT 1 FROM "_prisma_migrations" WHERE migration_name = ${newest} AND finished_at IS NOT NULL AND rolled_back_at IS NULL`,
        READINESS_TIMEOUT_MS,
      );
      return rows.length > 0 ? null : `migrations: ${newest} is not applied`;
    } catch (error) {
      if (databaseErrorCode(error) === 'TableDoesNotExist')
        return `migrations: ${newest} is not applied (no migration is recorded)`;
      return databaseFailure(error);
    }
  }
}
