/**
 * The PostgreSQL queue store's statements (PostgresQueueStore runs each as a named prepared statement). Kept apart
 * from the store so that each statement reads with its reasons, and so that the tests and the bench can run the
 * product's own SQL (the claim's plan test, bench/hot-path-designs.ts).
 */
import { Prisma as PostgresPrisma } from '.prisma/postgresql-client';
import { CLAIM_ORDER } from './queue-store';

const snakeCase = (field: string) => field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
/**
 * The model's columns, named rather than `*`: the statements below are prepared once per connection, and a
 * prepared `*` fails ("cached plan must not change result type") once a newer instance has added a column.
 */
const JOB_COLUMNS = Object.values(PostgresPrisma.ProcessingJobScalarFieldEnum).map(snakeCase);
const FILE_COLUMNS = Object.values(PostgresPrisma.StoredFileScalarFieldEnum).map(snakeCase).join(', ');
const jobColumns = (table?: string) => JOB_COLUMNS.map((column) => (table ? `${table}.${column}` : column)).join(', ');

/**
 * PostgreSQL: every hot-path operation is one statement on the pool (no ORM round trips). The claim picks due jobs
 * with FOR UPDATE SKIP LOCKED (concurrent claimers skip each other's rows instead of waiting) and moves them to
 * PROCESSING. It writes no attempt row: the running attempt is the job's own (attempt_count, started_at,
 * lease_owner), and its row is written once, closed, with the outcome (an INSERT and its foreign-key check per
 * job at the claim, and an UPDATE at the end, were 1.3 of the 4.4 ms of a claim of 100).
 */
export const CLAIM_SQL = `
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
         cancel_requested_at = NULL, started_at = now(), updated_at = now(), attempt_count = job.attempt_count + 1
    FROM picked
   WHERE job.id = picked.id
  RETURNING ${jobColumns('job')}
)
SELECT ${jobColumns()} FROM claimed`;

/**
 * The statements that lock several job rows (completion, lease renewal) lock them in id order first: two of them
 * taking overlapping rows in different orders deadlocked (4 deadlocks, 6 jobs run twice in 10,000 on 2 instances
 * x 32 workers). MATERIALIZED keeps the locking SELECT from being folded into the UPDATE's own join order.
 * `ord` is each row's position in the input arrays: the statement reads its values by subscript. Joined to the
 * unnested arrays instead, on these connections (no hash join, no sort) the plan rescanned the arrays once per
 * row: 3.3 of the 5.9 ms of a completion of 100.
 */
const lockHeldInIdOrder = (ids: string, owner: string) => `
  SELECT id, array_position(${ids}::text[], id) AS ord FROM processing_jobs
   WHERE id = ANY(${ids}::text[]) AND lease_owner = ${owner} AND status = 'PROCESSING'
   ORDER BY id
   FOR UPDATE`;

export const COMPLETE_SQL = `
WITH locked AS MATERIALIZED (${lockHeldInIdOrder('$2', '$1')}
), done AS (
  UPDATE processing_jobs AS job
     SET status = 'COMPLETED', stage = 'COMPLETED', progress = 100, bytes_processed = ($6::bigint[])[locked.ord],
         extracted_text = ($3::text[])[locked.ord], metadata = ($4::jsonb[])[locked.ord],
         result = ($5::jsonb[])[locked.ord],
         error_code = NULL, error_message = NULL, error_recoverable = true,
         completed_at = now(), actual_duration = (EXTRACT(EPOCH FROM (now() - job.started_at)) * 1000)::int,
         lease_expires_at = NULL, updated_at = now()
    FROM locked
   WHERE job.id = locked.id
  RETURNING job.id
)
SELECT id FROM done`;

export const RENEW_SQL = `
WITH locked AS MATERIALIZED (${lockHeldInIdOrder('$2', '$1')}
)
UPDATE processing_jobs AS job
   SET lease_expires_at = now() + make_interval(secs => $3::double precision / 1000)
  FROM locked
 WHERE job.id = locked.id
RETURNING job.id, job.cancel_requested_at IS NOT NULL AS cancel_requested`;

/** The caller may use the file: $12 says any file will do (an admin's or host code's enqueue), else $13 owns it. */
const USABLE_FILE = '($12::boolean OR file.user_id IS NOT DISTINCT FROM $13::text)';

/**
 * The files are read within the INSERT, so a single enqueue is one round trip instead of a lookup and an insert:
 * back to back, with a worker beside them, single enqueues took 2.2-2.9 ms instead of 3.0-3.5. A file missing or
 * not the caller's joins as nulls, which file_name refuses (23502): the statement fails whole, and insertJobs then
 * looks the files up to name them.
 *
 * PostgreSQL has no foreign key from jobs to files (migration 20261202100000_job_file_checked_once): its check, a
 * lookup and a row lock per inserted job, was 3-4 µs of the server's ~16 µs a job and a fifth of the bulk
 * enqueue's rate. `locked` does its work once per file: it locks each file the jobs name against deletion
 * (DELETE_UNUSED_FILES_SQL first locks the files it may delete, and waits for this lock) and counts the files that
 * are still there once locked. A file deleted after this statement's snapshot was taken is still joined from the
 * snapshot but no longer locked; the counts then differ and every file_name is null, so the statement fails as for
 * a missing file. The join itself stays one index lookup per job: a join on `locked` would be a scan of it per job
 * on these connections (no hash joins), 1,000,000 comparisons for 1,000 jobs on as many files.
 */
const NAMED_FILES = `stored_files AS file WHERE file.id = ANY($2::text[]) AND ${USABLE_FILE}`;
const LOCK_NAMED_FILES = `
locked AS MATERIALIZED (SELECT file.id FROM ${NAMED_FILES} FOR KEY SHARE)`;
const INSERT_JOBS = `
INSERT INTO processing_jobs (id, file_id, file_name, file_size, format, status, stage, priority, max_retries, options,
                             run_at, available_at, idempotency_key, user_id, created_at, updated_at, estimated_duration,
                             trace_context)
SELECT input.id, input.file_id,
       CASE WHEN (SELECT count(*) FROM locked) = (SELECT count(*) FROM ${NAMED_FILES}) THEN file.original_name END,
       file.size, file.format, 'PENDING', 'QUEUED', input.priority,
       input.max_retries, input.options, input.run_at, input.available_at, input.idempotency_key, input.user_id,
       input.created_at, input.created_at, estimate.ms, input.trace_context
  FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::jsonb[], $6::timestamptz[], $7::timestamptz[],
              $8::text[], $9::text[], $10::timestamptz[], $11::text[])
    AS input(id, file_id, priority, max_retries, options, run_at, available_at, idempotency_key, user_id, created_at,
             trace_context)
  LEFT JOIN stored_files AS file ON file.id = input.file_id AND ${USABLE_FILE}
  LEFT JOIN unnest($14::text[], $15::int[]) AS estimate(format, ms) ON estimate.format = file.format`;
/** What a new job copies from its file: the same for every job of that file. */
const FILE_COPY = 'file_id, file_name, file_size, format, estimated_duration';

/**
 * Jobs of which some have an idempotency key: a key already taken skips its job (insertJobs reads that job), so each
 * inserted job is returned.
 */
export const INSERT_KEYED_SQL = `
WITH ${LOCK_NAMED_FILES}
${INSERT_JOBS}
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id, ${FILE_COPY}`;

/**
 * Jobs none of which has a key, the bulk enqueue's usual case: all are inserted or the statement fails, so it returns
 * one row per file rather than per job (1,000 rows of 5 columns were ~0.6 µs of JavaScript a job to read, in a CPU
 * profile of enqueueMany). Without ON CONFLICT each row is a plain insert rather than a speculative one (checked
 * against the key's index, then confirmed): 15 instead of 16 µs of PostgreSQL's CPU a job, 4-5 % more jobs a second
 * (in-process, 20,000 jobs in calls of 1,000).
 */
export const INSERT_UNKEYED_SQL = `
WITH ${LOCK_NAMED_FILES}, inserted AS (${INSERT_JOBS}
  RETURNING ${FILE_COPY}
)
SELECT ${FILE_COPY} FROM inserted GROUP BY ${FILE_COPY}`;

export const BY_KEYS_SQL = `SELECT ${jobColumns()} FROM processing_jobs WHERE idempotency_key = ANY($1::text[])`;

export const FIND_JOBS_SQL = `SELECT ${jobColumns()} FROM processing_jobs WHERE id = ANY($1::text[])`;

export const STALLED_SQL = `
SELECT ${jobColumns()} FROM processing_jobs
 WHERE status = 'PROCESSING' AND lease_expires_at < $1
 ORDER BY lease_expires_at`;

export const SAVE_PROGRESS_SQL = `
UPDATE processing_jobs SET stage = $3, progress = $4, bytes_processed = $5, updated_at = now()
 WHERE id = $1 AND lease_owner = $2 AND status = 'PROCESSING'`;

export const SAVE_EXTRACTION_SQL = `
UPDATE processing_jobs
   SET extracted_text = $3, metadata = coalesce($4::jsonb, metadata), result = $5::jsonb, updated_at = now()
 WHERE id = $1 AND lease_owner = $2 AND status = 'PROCESSING'`;

/** Attempts go first, by their foreign key's index; the jobs' own cascade then finds none to delete. */
export const DELETE_FINISHED_SQL = `
WITH doomed AS (
  SELECT id FROM processing_jobs
   WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < $1
   LIMIT $2
), attempts AS (
  DELETE FROM job_attempts WHERE job_id IN (SELECT id FROM doomed)
)
DELETE FROM processing_jobs WHERE id IN (SELECT id FROM doomed)
RETURNING file_id`;

/**
 * A file's row goes only when no job refers to it. The store runs this in a transaction after LOCK_FILES_SQL: with
 * no foreign key, a job inserted meanwhile is seen only by a statement that starts after its insert committed.
 */
export const DELETE_UNUSED_FILES_SQL = `
DELETE FROM stored_files AS file
 WHERE file.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM processing_jobs AS job WHERE job.file_id = file.id)
RETURNING file.id, file.storage_path`;

/**
 * Locks the files that DELETE_UNUSED_FILES_SQL may delete, in id order as an insert locks them (INSERT_JOBS). FOR
 * UPDATE waits for every insert in flight that locked one of them (FOR KEY SHARE) to commit, and an insert that
 * comes after waits for this transaction, then finds the file gone.
 */
export const LOCK_FILES_SQL = 'SELECT id FROM stored_files WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE';

export const FIND_FILES_SQL = `
SELECT ${FILE_COLUMNS} FROM stored_files WHERE id = ANY($1::text[]) AND ($2::boolean OR user_id IS NOT DISTINCT FROM $3::text)`;
