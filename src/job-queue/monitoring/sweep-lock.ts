import { Injectable, Logger } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** Keys of the sweeps that only one instance may run at a time. */
export enum Sweep {
  HEALTH_CHECK = 7_311_402_101,
  CLEANUP = 7_311_402_102,
}

/**
 * Runs a sweep on one instance at a time: on PostgreSQL under a session advisory lock (another instance that
 * finds it taken skips its turn); on SQLite the database's single writer already serialises the sweep's writes.
 */
@Injectable()
export class SweepLock {
  private readonly logger = new Logger(SweepLock.name);

  constructor(private readonly prisma: PrismaService) {}

  /** Returns the sweep's result, or undefined when another instance holds the sweep. */
  async runExclusive<T>(sweep: Sweep, work: () => Promise<T>): Promise<T | undefined> {
    if (!this.prisma.pool) return work();
    const connection = await this.prisma.pool.connect();
    // The lock lives as long as this connection. Checked-out clients get no pool-level 'error' listener, and an
    // 'error' event nobody listens to kills the process: an outage (or pg_terminate_backend) while a sweep held the
    // lock did. The lock goes with the connection; the sweep's own statements fail or finish on their own.
    let lost: Error | undefined;
    const onError = (error: Error) => {
      lost = error;
      this.logger.warn(`connection holding the ${Sweep[sweep]} lock was lost: ${error.message}`);
    };
    connection.on('error', onError);
    try {
      const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        sweep,
      ]);
      if (!rows[0].locked) return undefined;
      try {
        return await work();
      } finally {
        if (!lost)
          await connection.query('SELECT pg_advisory_unlock($1)', [sweep]).catch((error: Error) => onError(error));
      }
    } finally {
      connection.off('error', onError);
      connection.release(lost); // a broken connection is destroyed, not put back in the pool
    }
  }
}
