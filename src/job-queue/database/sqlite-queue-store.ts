import { jobRecordFromRow, type JobRecord } from '../common/job-record';
import type { PrismaService } from './prisma.service';
import { attemptId, CLAIM_ORDER, type QueueStore, sortInClaimOrder } from './queue-store';

/**
 * SQLite: one UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING * claims the jobs atomically (SQLite
 * runs one writer at a time, across processes too), and the attempts are inserted in the same transaction.
 */
export class SqliteQueueStore implements QueueStore {
  constructor(private readonly prisma: PrismaService) {}

  async claim(workerId: string, limit: number, leaseMs: number): Promise<JobRecord[]> {
    const now = Date.now();
    return this.prisma.client.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<Record<string, unknown>[]>(
        `UPDATE processing_jobs
            SET status = 'PROCESSING', stage = 'QUEUED', progress = 0, bytes_processed = 0,
                lease_owner = ?, lease_expires_at = ?, started_at = ?, updated_at = ?,
                attempt_count = attempt_count + 1
          WHERE id IN (SELECT id FROM processing_jobs
                        WHERE status IN ('PENDING', 'RETRYING') AND available_at <= ?
                        ORDER BY ${CLAIM_ORDER} LIMIT ?)
        RETURNING *`,
        workerId, now + leaseMs, now, now, now, limit,
      );
      if (rows.length === 0) return [];
      const jobs = sortInClaimOrder(rows.map(jobRecordFromRow));
      const placeholders = jobs.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
      const values = jobs.flatMap((job) => [
        attemptId(job.id, job.attemptCount), job.id, job.attemptCount, workerId, now, job.nextAttemptManual ? 1 : 0,
      ]);
      await tx.$executeRawUnsafe(
        `INSERT INTO job_attempts (id, job_id, number, worker_id, started_at, manual) VALUES ${placeholders}`,
        ...values,
      );
      return jobs;
    });
  }
}
