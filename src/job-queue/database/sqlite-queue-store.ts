import { jobRecordFromRow, type JobRecord } from '../common/job-record';
import type { PrismaService } from './prisma.service';
import { attemptId, CLAIM_ORDER, type Completion, type QueueStore, sortInClaimOrder } from './queue-store';

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

  async completeMany(workerId: string, completions: Completion[]): Promise<Set<string>> {
    const now = Date.now();
    return this.prisma.client.$transaction(async (tx) => {
      const rows = await tx.$queryRawUnsafe<{ id: string; attempt_count: number }[]>(
        `WITH input(id, extracted_text, metadata, result, bytes_processed) AS (VALUES ${completions.map(() => '(?, ?, ?, ?, ?)').join(', ')})
         UPDATE processing_jobs
            SET status = 'COMPLETED', stage = 'COMPLETED', progress = 100, bytes_processed = input.bytes_processed,
                extracted_text = input.extracted_text, metadata = input.metadata, result = input.result,
                error_code = NULL, error_message = NULL, error_recoverable = 1, next_attempt_manual = 0,
                completed_at = ?, actual_duration = ? - started_at,
                lease_owner = NULL, lease_expires_at = NULL, updated_at = ?
           FROM input
          WHERE processing_jobs.id = input.id AND lease_owner = ? AND status = 'PROCESSING'
         RETURNING processing_jobs.id AS id, processing_jobs.attempt_count AS attempt_count`,
        ...completions.flatMap((completion) => [
          completion.jobId,
          completion.extractedText,
          completion.metadata,
          completion.result,
          completion.bytesProcessed,
        ]),
        now, now, now, workerId,
      );
      if (rows.length === 0) return new Set<string>();
      const attemptIds = rows.map((row) => attemptId(row.id, Number(row.attempt_count)));
      await tx.$executeRawUnsafe(
        `UPDATE job_attempts SET finished_at = ?, outcome = 'COMPLETED', error_code = NULL, error_message = NULL
          WHERE id IN (${attemptIds.map(() => '?').join(', ')})`,
        now,
        ...attemptIds,
      );
      return new Set(rows.map((row) => row.id));
    });
  }
}
