/**
 * The PostgreSQL queue store's statements (PostgresQueueStore runs each as a named prepared statement). Kept apart
 * from the store so that each statement reads with its reasons, and so that the tests and the bench can run the
 * product's own SQL (the claim's plan test, bench/hot-path-designs.ts).
 */
import type { JobRecord } from '../common/job-record';
import { CLAIM_ORDER, nextDueSql } from './queue-store';
import { movesOf, tallyMoves } from './postgres-tallies';
import { postgresJobReader } from './row-mapping';

/*
 * The models' fields from the generated client's browser entry, which holds its enums without Prisma's query runtime:
 * the Node entry loads that runtime (230 KB of JavaScript, ~2 MB of RSS), which a worker process never uses.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a subpath the generated client ships without types */
const { Prisma: PostgresPrisma } =
  require('.prisma/postgresql-client/index-browser') as typeof import('.prisma/postgresql-client');
/* eslint-enable @typescript-eslint/no-require-imports */
const snakeCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/**
 * The model's columns, named rather than `*`: the statements below are prepared once per connection, and a
 * prepared `*` fails ("cached plan must not change result type") once a newer instance has added a column.
 */
const JOB_COLUMNS = Object.values(PostgresPrisma.ProcessingJobScalarFieldEnum).map(snakeCase);
const FILE_COLUMNS = Object.values(PostgresPrisma.StoredFileScalarFieldEnum).map(snakeCase).join(', ');
const columnList = (columns: string[], table?: string) =>
  columns.map((column) => (table ? `${table}.${column}` : column)).join(', ');
const jobColumns = (table?: string) => columnList(JOB_COLUMNS, table);

/**
 * What the claim sets alike for every job it takes (CLAIM_SQL's SET): claimedJobReader fills these fields in rather
 * than read them back per row.
 */
const SET_BY_THE_CLAIM = [
  'status',
  'stage',
  'progress',
  'bytesProcessed',
  'leaseOwner',
  'cancelRequestedAt',
  'updatedAt',
] as const satisfies readonly (keyof JobRecord)[];
const CLAIMED_COLUMNS = JOB_COLUMNS.filter((column) => !SET_BY_THE_CLAIM.map(snakeCase).includes(column));

/**
 * What a job's progress changes, kept in job_states apart from the job's record (job_records, written once at
 * enqueue; migration 20261206100000_job_state_apart). The state also copies the record's format, priority,
 * created_at and user_id, which the claim's order, the tallies and the statistics read; they are read from the record.
 */
export const STATE_COLUMNS: ReadonlySet<string> = new Set([
  'status',
  'stage',
  'progress',
  'bytes_processed',
  'available_at',
  'attempt_count',
  'retry_count',
  'last_retry_at',
  'next_retry_at',
  'next_attempt_manual',
  'lease_owner',
  'lease_expires_at',
  'cancel_requested_at',
  'started_at',
  'completed_at',
  'actual_duration',
  'error_code',
  'error_message',
  'error_recoverable',
  'result',
  'metadata',
  'extracted_text',
  'updated_at',
]);
/** The record's columns that the state copies (its key among them). */
const COPIED_INTO_STATE = ['id', 'format', 'priority', 'created_at', 'user_id'];

/** Which of a job's `columns` (snake_case) go into its record and which into its state, as an insert writes them. */
export function recordAndStateColumns(columns: string[]): { record: string[]; state: string[] } {
  return {
    record: columns.filter((column) => !STATE_COLUMNS.has(column)),
    state: columns.filter((column) => STATE_COLUMNS.has(column) || COPIED_INTO_STATE.includes(column)),
  };
}

const claimedColumn = (column: string) => (STATE_COLUMNS.has(column) ? `claimed.${column}` : `record.${column}`);

/**
 * PostgreSQL: every hot-path operation is one statement on the pool (no ORM round trips). The claim picks due jobs
 * with FOR UPDATE SKIP LOCKED (concurrent claimers skip each other's rows instead of waiting) and moves them to
 * PROCESSING. It writes no attempt row: the running attempt is the job's own (attempt_count, started_at,
 * lease_owner), and its row is written once, closed, with the outcome (an INSERT and its foreign-key check per
 * job at the claim, and an UPDATE at the end, were 1.3 of the 4.4 ms of a claim of 100).
 *
 * It writes the job's state alone (job_states) and reads the rest from the record, which no claim or completion
 * rewrites: PostgreSQL's CPU a job, serial claims and completions of 100 (bench/hot-path-designs.ts, "split
 * record" against "current"), 37 against 43 µs, and 31 against 36 in a faster hour.
 *
 * The UPDATE finds each picked row by its ctid rather than by a second descent of the primary key: 18.6 against
 * 19.4 µs of PostgreSQL's CPU a claimed job (bench/hot-path-designs.ts's loop, 11 alternating rounds, median). The
 * ctid is that of the version `picked` locked, which no other statement can change before this one ends.
 *
 * `tallied` adds its moves to the jobs' tallies (postgres-tallies.ts), each job from the status `picked` locked it in.
 */
export const CLAIM_SQL = `
WITH picked AS (
  SELECT ctid, status FROM job_states
   WHERE status IN ('PENDING', 'RETRYING') AND available_at <= now()
   ORDER BY ${CLAIM_ORDER}
   LIMIT $2
   FOR UPDATE SKIP LOCKED
), claimed AS (
  UPDATE job_states AS job
     SET status = 'PROCESSING', stage = 'QUEUED', progress = 0, bytes_processed = 0,
         lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
         cancel_requested_at = NULL, started_at = now(), updated_at = now(), attempt_count = job.attempt_count + 1
    FROM picked
   WHERE job.ctid = picked.ctid
  RETURNING ${columnList(['id', ...CLAIMED_COLUMNS.filter((column) => STATE_COLUMNS.has(column))], 'job')},
            picked.status AS claimed_from, job.format, job.priority
), tallied AS (${tallyMoves(movesOf('claimed', 'claimed_from', "'PROCESSING'"))}
)
SELECT ${CLAIMED_COLUMNS.map(claimedColumn).join(', ')}
  FROM claimed JOIN job_records AS record ON record.id = claimed.id`;

/**
 * A claimed job's record: the claim's row, and what the claim sets alike for every job it takes (CLAIM_SQL), which it
 * does not send back. Reading a claimed row's 37 columns was ~25 µs of the worker's CPU a job (serial claims of 100
 * over 20,000 jobs, parsing and mapping included); without these seven, ~20.
 */
export function claimedJobReader(workerId: string) {
  return (columns: string[]) => {
    const read = postgresJobReader(columns, SET_BY_THE_CLAIM);
    return (values: unknown[]): JobRecord => {
      const job = read(values);
      job.status = 'PROCESSING';
      job.stage = 'QUEUED';
      job.progress = 0;
      job.bytesProcessed = 0n;
      job.leaseOwner = workerId;
      job.cancelRequestedAt = null;
      job.updatedAt = new Date(job.startedAt!.getTime()); // now(), as started_at
      return job; // every field of SET_BY_THE_CLAIM set (the conformance suite compares the record with its row)
    };
  };
}

/**
 * Every statement that writes several job rows takes their locks in id order: two of them taking overlapping rows in
 * different orders deadlocked (4 deadlocks, 6 jobs run twice in 10,000 on 2 instances x 32 workers;
 * test/database/lock-order.spec.ts pins the order). The statements that only write walk their input this way: its
 * ids sorted (a sort of the statement's own input, in the column's collation, "C" since migration
 * 20261207000000_byte_order_keys), each row found by the primary key and locked as it is written. `ord` is each id's
 * position in the input arrays: the statement reads its values by subscript. A row another statement changed
 * meanwhile is read again once that statement commits, and written only if it is still held. (SETTLE_SQL locks its
 * rows first, in the same order: it reads them before it decides what to write.)
 *
 * Locking every row first instead (FOR UPDATE in a materialized CTE, then the UPDATE joined to it by key) cost, in
 * PostgreSQL's CPU a row: the completion 19.9 against 17.2 µs (bench/hot-path-designs.ts's loop, 11 alternating
 * rounds, median); a lease renewal 34.8 against 28.3 and a progress write 16.4 against 11.5 (256 held jobs of 20,000
 * written 200 times, 5 alternating rounds, median).
 *
 * The status is compared through coalesce (the column is never null) so that no index on it can serve the
 * statement: written `job.status = 'PROCESSING'`, a plan made while the table was small (0 to 1,000 rows, as when a
 * queue starts; each connection keeps its first plan) walked the lease index (job_states_lease_idx) first, locking
 * in lease order. empty-table-plans.spec.ts and claim-plan.spec.ts pin the walk on none and on 20,000.
 */
const heldJobsInIdOrder = (ids: string, owner: string) => `
  FROM (SELECT id, ord FROM unnest(${ids}::text[]) WITH ORDINALITY AS input(id, ord) ORDER BY id COLLATE "C") AS input
 WHERE job.id = input.id AND job.lease_owner = ${owner} AND coalesce(job.status, '') = 'PROCESSING'`;

/**
 * Completes the held jobs (walked as heldJobsInIdOrder says) in the completions' attempts ($7): an earlier attempt
 * of a job its worker claimed again (see Completion.attempt) is not written. `tallied` adds the moves to the tallies.
 */
export const COMPLETE_SQL = `
WITH done AS (
  UPDATE job_states AS job
     SET status = 'COMPLETED', stage = 'COMPLETED', progress = 100, bytes_processed = ($6::bigint[])[input.ord],
         extracted_text = ($3::text[])[input.ord], metadata = ($4::jsonb[])[input.ord],
         result = ($5::jsonb[])[input.ord],
         error_code = NULL, error_message = NULL, error_recoverable = true,
         completed_at = now(), actual_duration = (EXTRACT(EPOCH FROM (now() - job.started_at)) * 1000)::int,
         lease_expires_at = NULL, updated_at = now()
  ${heldJobsInIdOrder('$2', '$1')}
     AND job.attempt_count = ($7::int[])[input.ord]
  RETURNING job.id, job.format, job.priority
), tallied AS (${tallyMoves(movesOf('done', "'PROCESSING'", "'COMPLETED'"))}
)
SELECT id FROM done`;

export const RENEW_SQL = `
UPDATE job_states AS job
   SET lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
${heldJobsInIdOrder('$2', '$1')}
RETURNING job.id, job.cancel_requested_at IS NOT NULL AS cancel_requested`;

/** Whole jobs are read through the processing_jobs view, which joins each record to its state by id. */
export const BY_KEYS_SQL = `SELECT ${jobColumns()} FROM processing_jobs WHERE idempotency_key = ANY($1::text[])`;

export const FIND_JOBS_SQL = `SELECT ${jobColumns()} FROM processing_jobs WHERE id = ANY($1::text[])`;

export const DATABASE_TIME_SQL = 'SELECT statement_timestamp() AS now';

/** How long until the next claimable job is due, by this server's clock: the claim's, whatever the caller's says. */
export const MS_UNTIL_NEXT_DUE_SQL = `
SELECT (EXTRACT(EPOCH FROM (due - now())) * 1000)::double precision AS ms FROM (${nextDueSql('job_states')}) AS next`;

export const STALLED_SQL = `
SELECT ${jobColumns()} FROM processing_jobs
 WHERE status = 'PROCESSING' AND lease_expires_at < now()
 ORDER BY lease_expires_at`;

/** Running jobs' progress, several in one statement (progress/progress-writes.ts), walked as heldJobsInIdOrder says. */
export const SAVE_PROGRESS_SQL = `
UPDATE job_states AS job
   SET stage = ($3::text[])[input.ord], progress = ($4::int[])[input.ord],
       bytes_processed = ($5::bigint[])[input.ord], updated_at = now()
${heldJobsInIdOrder('$2', '$1')}`;

/**
 * The status through coalesce, as in heldJobsInIdOrder: written `status = 'PROCESSING'`, the plan made on a table of
 * up to 1,000 rows (and kept by its connection) walked the lease index (job_states_lease_idx), every running job,
 * instead of the key (test/database/empty-table-plans.spec.ts).
 */
export const SAVE_EXTRACTION_SQL = `
UPDATE job_states
   SET extracted_text = $3, metadata = coalesce($4::jsonb, metadata), result = $5::jsonb, updated_at = now()
 WHERE id = $1 AND lease_owner = $2 AND coalesce(status, '') = 'PROCESSING'`;

/**
 * The finished jobs' states go first, each only if it is still finished and old once locked (a job retried by hand
 * meanwhile stays, record and all); then the attempts of those deleted, by their foreign key's index, and their
 * records, whose own cascade then finds no attempt to delete.
 */
export const DELETE_FINISHED_SQL = `
WITH doomed AS (
  SELECT id FROM job_states
   WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < $1
   LIMIT $2
), states AS (
  DELETE FROM job_states
   WHERE id IN (SELECT id FROM doomed) AND status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < $1
  RETURNING id
), attempts AS (
  DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM states)
)
DELETE FROM job_records WHERE id IN (SELECT id FROM states)
RETURNING file_id`;

/**
 * A file's row goes only when no job refers to it. The store runs this in a transaction after LOCK_FILES_SQL: with
 * no foreign key, a job inserted meanwhile is seen only by a statement that starts after its insert committed.
 */
export const DELETE_UNUSED_FILES_SQL = `
DELETE FROM stored_files AS file
 WHERE file.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM job_records AS job WHERE job.file_id = file.id)
RETURNING file.id, file.storage_path`;

/**
 * Locks the files that DELETE_UNUSED_FILES_SQL may delete, in id order as an insert locks them (`locked` in
 * postgres-insert-statement.ts). FOR UPDATE waits for every insert in flight that locked one of them (FOR KEY
 * SHARE) to commit, and an insert that comes after waits for this transaction, then finds the file gone.
 */
export const LOCK_FILES_SQL = 'SELECT id FROM stored_files WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE';

export const FIND_FILES_SQL = `
SELECT ${FILE_COLUMNS} FROM stored_files WHERE id = ANY($1::text[]) AND ($2::boolean OR user_id IS NOT DISTINCT FROM $3::text)`;
