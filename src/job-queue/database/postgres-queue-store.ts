import { jobRecordFromRow, type JobRecord } from '../common/job-record';
import type { PrismaService } from './prisma.service';
import { CLAIM_ORDER, type QueueStore, sortInClaimOrder } from './queue-store';

/**
 * PostgreSQL: one statement picks due jobs with FOR UPDATE SKIP LOCKED (concurrent claimers skip each
 * other's rows instead of waiting), moves them to PROCESSING and opens their attempts.
 */
const CLAIM_SQL = `
WITH picked AS (
  SELECT id FROM processing_jobs
   WHERE status IN ('PENDING', 'RETRYING') AND available_at <= now()
   ORDER BY ${CLAIM_ORDER}
   LIMIT $2
   FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE processing_jobs AS job
     SET status = 'PROCESSING', stage = 'QUEUED', progress = 0, bytes_processed = 0,
         lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
         started_at = now(), updated_at = now(), attempt_count = job.attempt_count + 1
    FROM picked
   WHERE job.id = picked.id
  RETURNING job.*
), opened AS (
  INSERT INTO job_attempts (id, job_id, number, worker_id, started_at, manual)
  SELECT claimed.id || ':' || claimed.attempt_count, claimed.id, claimed.attempt_count, $1, claimed.started_at,
         claimed.next_attempt_manual
    FROM claimed
)
SELECT * FROM claimed`;

export class PostgresQueueStore implements QueueStore {
  constructor(private readonly prisma: PrismaService) {}

  async claim(workerId: string, limit: number, leaseMs: number): Promise<JobRecord[]> {
    const { rows } = await this.prisma.pool!.query(CLAIM_SQL, [workerId, limit, leaseMs]);
    return sortInClaimOrder(rows.map(jobRecordFromRow));
  }
}
