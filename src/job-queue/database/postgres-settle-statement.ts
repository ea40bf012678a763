import { type ArrayElement, arrayColumn } from './postgres/array-literal';
import { movesOf, tallyMoves } from './postgres-tallies';
import { CANCELLED_WHILE_RUNNING, MAX_ERROR_MESSAGE, type Settlement } from './queue-store';

/**
 * Writes the closed attempt row of each job settled by the CTE named `source` (its id, attempt_count, started_at and
 * next_attempt_manual as they were before the settling UPDATE). A row opened by an older version's claim is closed
 * instead.
 */
const closedAttemptsFrom = (
  source: string,
  values: { workerId: string; outcome: string; errorCode: string; errorMessage: string },
) => `
  INSERT INTO job_attempts AS attempt
         (id, job_id, number, worker_id, started_at, finished_at, outcome, error_code, error_message, manual)
  SELECT ${source}.id || ':' || ${source}.attempt_count, ${source}.id, ${source}.attempt_count, ${values.workerId},
         coalesce(${source}.started_at, now()), now(), ${values.outcome}, ${values.errorCode}, ${values.errorMessage},
         ${source}.next_attempt_manual
    FROM ${source}
  ON CONFLICT (job_id, number) DO UPDATE
     SET finished_at = EXCLUDED.finished_at, outcome = EXCLUDED.outcome, error_code = EXCLUDED.error_code,
         error_message = EXCLUDED.error_message`;

const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * settleMany on PostgreSQL, one statement. `locked` takes the held rows in id order, as every writer of several job
 * rows does (postgres-queue-statements.ts, heldJobsInIdOrder), found by id through the primary key, each under its own
 * input's worker (stalled recovery settles the jobs of many workers at once); `n` is its input's position in the
 * arrays. Reading the inputs by position rather than joining an unnest of them: joined on the locked rows, the planner
 * walked the whole key in id order (40,000 rows read to settle 200), or ran the unnest again per locked row (78 of the
 * 95 ms of settling 500). `input` keeps the jobs held in their settlements' attempts (an earlier attempt of a job its
 * worker claimed again is left alone: see Settlement.attempt). `decided` applies the cancel rule to what the rows hold
 * once locked (a cancel committed meanwhile is seen). It locks them all before its UPDATE, rather than as the UPDATE
 * writes them as the statements that only write do, because what it writes depends on what it read (the attempt,
 * the cancel request, the manual flag, as they were before the UPDATE). `tallied` adds the moves to the tallies
 * (postgres-tallies.ts).
 */
export const SETTLE_SQL = `
WITH locked AS MATERIALIZED (
  SELECT id, attempt_count, started_at, next_attempt_manual, cancel_requested_at IS NOT NULL AS cancel_requested,
         array_position($1::text[], id) AS n
    FROM job_states
   WHERE id = ANY($1::text[]) AND status = 'PROCESSING'
     AND lease_owner = ($2::text[])[array_position($1::text[], id)]
     AND (NOT $8::boolean OR lease_expires_at < now())
   ORDER BY id
   FOR UPDATE
), input AS (
  SELECT locked.*, ($2::text[])[n] AS worker_id, ($3::text[])[n] AS outcome, ($4::text[])[n] AS error_code,
         ($5::text[])[n] AS error_message, ($6::boolean[])[n] AS error_recoverable,
         now() + make_interval(secs => ($7::double precision[])[n] / 1000) AS retry_at
    FROM locked
   WHERE locked.attempt_count = ($9::int[])[n]
), decided AS (
  SELECT id, attempt_count, started_at, next_attempt_manual, worker_id, retry_at,
         CASE WHEN rule.cancelled THEN 'CANCELLED' ELSE outcome END AS outcome,
         CASE WHEN rule.cancelled THEN ${quoted(CANCELLED_WHILE_RUNNING.code)} ELSE error_code END AS error_code,
         CASE WHEN rule.cancelled THEN ${quoted(CANCELLED_WHILE_RUNNING.message)} ELSE error_message END
           AS error_message,
         CASE WHEN rule.cancelled THEN ${CANCELLED_WHILE_RUNNING.recoverable} ELSE error_recoverable END
           AS error_recoverable
    FROM input, LATERAL (SELECT input.cancel_requested AND input.outcome <> 'CANCELLED' AS cancelled) AS rule
), settled AS (
  UPDATE job_states AS job
     SET status = CASE WHEN d.outcome = 'INTERRUPTED' THEN 'PENDING' ELSE d.outcome END,
         stage = CASE WHEN d.outcome = 'INTERRUPTED' THEN 'QUEUED' ELSE job.stage END,
         progress = CASE WHEN d.outcome = 'INTERRUPTED' THEN 0 ELSE job.progress END,
         bytes_processed = CASE WHEN d.outcome = 'INTERRUPTED' THEN NULL ELSE job.bytes_processed END,
         available_at = CASE d.outcome WHEN 'RETRYING' THEN d.retry_at WHEN 'INTERRUPTED' THEN now()
                        ELSE job.available_at END,
         retry_count = job.retry_count + CASE WHEN d.outcome = 'RETRYING' THEN 1 ELSE 0 END,
         last_retry_at = CASE WHEN d.outcome = 'RETRYING' THEN now() ELSE job.last_retry_at END,
         next_retry_at = CASE d.outcome WHEN 'RETRYING' THEN d.retry_at WHEN 'FAILED' THEN NULL
                         ELSE job.next_retry_at END,
         completed_at = CASE WHEN d.outcome IN ('FAILED', 'CANCELLED') THEN now() ELSE job.completed_at END,
         error_code = CASE WHEN d.outcome IN ('RETRYING', 'FAILED') THEN d.error_code ELSE job.error_code END,
         error_message = CASE WHEN d.outcome IN ('RETRYING', 'FAILED') THEN d.error_message ELSE job.error_message END,
         error_recoverable = CASE WHEN d.outcome IN ('RETRYING', 'FAILED') THEN d.error_recoverable
                             ELSE job.error_recoverable END,
         next_attempt_manual = d.outcome = 'INTERRUPTED' AND job.next_attempt_manual,
         lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
    FROM decided AS d
   WHERE job.id = d.id
  RETURNING job.id, job.status, job.format, job.priority
), tallied AS (${tallyMoves(movesOf('settled', "'PROCESSING'", 'status'))}
), closed AS (
  ${closedAttemptsFrom('decided', {
    workerId: 'decided.worker_id',
    outcome: 'decided.outcome',
    errorCode: 'decided.error_code',
    errorMessage: 'decided.error_message',
  })}
)
SELECT id, status FROM settled`;

/** SETTLE_SQL's parameters: one array per input field, then the lease guard, then the attempts. */
export function settleValues(settlements: Settlement[], onlyExpiredLeases: boolean): unknown[] {
  const column = (pick: (settlement: Settlement) => ArrayElement) => arrayColumn(settlements, pick);
  return [
    column((settlement) => settlement.jobId),
    column((settlement) => settlement.workerId),
    column((settlement) => settlement.outcome),
    column((settlement) => settlement.error?.code ?? null),
    column((settlement) => settlement.error?.message.slice(0, MAX_ERROR_MESSAGE) ?? null),
    column((settlement) => settlement.error?.recoverable ?? true),
    column((settlement) => settlement.retryDelayMs),
    onlyExpiredLeases,
    column((settlement) => settlement.attempt),
  ];
}
