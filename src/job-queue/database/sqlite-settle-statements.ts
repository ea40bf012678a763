import type Database from 'better-sqlite3';
import {
  CANCELLED_WHILE_RUNNING,
  MAX_ERROR_MESSAGE,
  type SettledStatus,
  settledStatus,
  type Settlement,
  type SettleOutcome,
} from './queue-store';

/**
 * The closed attempt row of an outcome, written from the job row before the outcome changes it (SQLite's RETURNING
 * shows only new values, and the outcome clears next_attempt_manual). As on PostgreSQL neither the claim nor a
 * completion writes an attempt row (attempt-on-job.ts); a row opened by an older version's claim is closed
 * instead. Parameters: now, now, outcome, error code, error message, job id, worker id.
 */
const CLOSED_ATTEMPT_SQL = `
INSERT INTO job_attempts (id, job_id, number, worker_id, started_at, finished_at, outcome, error_code, error_message,
                          manual)
SELECT id || ':' || attempt_count, id, attempt_count, lease_owner, coalesce(started_at, ?), ?, ?, ?, ?,
       next_attempt_manual
  FROM processing_jobs WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'
ON CONFLICT (job_id, number) DO UPDATE
   SET finished_at = excluded.finished_at, outcome = excluded.outcome, error_code = excluded.error_code,
       error_message = excluded.error_message`;

/**
 * The held job (the guard of settleMany), with its cancel flag. Parameters: id, worker id, attempt, the lease bound
 * twice.
 */
const HELD_SQL = `
SELECT cancel_requested_at IS NOT NULL AS cancel_requested FROM processing_jobs
 WHERE id = ? AND lease_owner = ? AND attempt_count = ? AND status = 'PROCESSING'
   AND (? IS NULL OR lease_expires_at < ?)`;

/** What each outcome writes on the job besides clearing the lease; the columns it does not name stay as they are. */
const SET_BY_OUTCOME: Record<SettleOutcome, string> = {
  RETRYING: `status = 'RETRYING', error_code = @code, error_message = @message, error_recoverable = @recoverable,
             retry_count = retry_count + 1, last_retry_at = @now, next_retry_at = @retryAt, available_at = @retryAt,
             next_attempt_manual = 0`,
  FAILED: `status = 'FAILED', error_code = @code, error_message = @message, error_recoverable = @recoverable,
           completed_at = @now, next_retry_at = NULL, next_attempt_manual = 0`,
  CANCELLED: `status = 'CANCELLED', completed_at = @now, next_attempt_manual = 0`,
  // A released attempt did not count against the manual retry: the flag stays for the next one.
  INTERRUPTED: `status = 'PENDING', stage = 'QUEUED', progress = 0, bytes_processed = NULL, available_at = @now`,
};

const OUTCOMES = Object.keys(SET_BY_OUTCOME) as SettleOutcome[];

type Statements = { held: Database.Statement; closedAttempt: Database.Statement } & Record<
  SettleOutcome,
  Database.Statement
>;

/** settleMany on SQLite: run inside one synchronous transaction, so nothing changes a row between read and write. */
export class SqliteSettleStatements {
  private statements: Statements | null = null;

  settle(db: Database.Database, settlements: Settlement[], onlyExpiredLeases: boolean): Map<string, SettledStatus> {
    const statements = this.prepared(db);
    const now = Date.now();
    const bound = onlyExpiredLeases ? now : null;
    const settled = new Map<string, SettledStatus>();
    for (const settlement of settlements) {
      const { jobId, workerId } = settlement;
      const held = statements.held.get(jobId, workerId, settlement.attempt, bound, bound) as
        { cancel_requested: number } | undefined;
      if (!held) continue;
      const cancelled = held.cancel_requested === 1 && settlement.outcome !== 'CANCELLED';
      const outcome = cancelled ? 'CANCELLED' : settlement.outcome;
      const error = cancelled ? CANCELLED_WHILE_RUNNING : settlement.error;
      const message = error?.message.slice(0, MAX_ERROR_MESSAGE) ?? null;
      statements.closedAttempt.run(now, now, outcome, error?.code ?? null, message, jobId, workerId);
      // Named parameters a statement does not use are ignored: every outcome gets them all.
      statements[outcome].run({
        id: jobId,
        now,
        code: error?.code ?? null,
        message,
        recoverable: error?.recoverable ? 1 : 0,
        retryAt: settlement.retryDelayMs === null ? null : now + settlement.retryDelayMs,
      });
      settled.set(jobId, settledStatus(outcome));
    }
    return settled;
  }

  private prepared(db: Database.Database): Statements {
    if (!this.statements) {
      const prepare = (sql: string) => db.prepare(sql).safeIntegers(false);
      const byOutcome = Object.fromEntries(
        OUTCOMES.map((outcome) => [
          outcome,
          prepare(
            `UPDATE processing_jobs SET ${SET_BY_OUTCOME[outcome]}, lease_owner = NULL, lease_expires_at = NULL, ` +
              `updated_at = @now WHERE id = @id`,
          ),
        ]),
      ) as Record<SettleOutcome, Database.Statement>;
      this.statements = { held: prepare(HELD_SQL), closedAttempt: prepare(CLOSED_ATTEMPT_SQL), ...byOutcome };
    }
    return this.statements;
  }
}
