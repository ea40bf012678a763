import { type ArrayElement, arrayColumn } from './postgres/array-literal';
import type { FilesOfNewJobs, NewJob } from './queue-store';

type JobValue = (job: NewJob, filePositions: ReadonlyMap<string, number>) => ArrayElement;
const timeOf = (date: Date | null) => date?.toISOString() ?? null;

/**
 * The per-job parameters, in parameter order ($1 is `id`): each input column's element type and its value for a job,
 * sent as one array of every job's (insertValues). Dates are null where the database dates the job (an enqueue's
 * createdAt and availableAt), so no timestamp is parsed per job; given, they are 0001-9999 (validated), which
 * toISOString writes as PostgreSQL reads them (node-postgres would write each Date in local time with its offset, 0.6
 * µs a date). `file_at` is the job's position in FILE_IDS.
 */
const PER_JOB = {
  id: ['text', (job) => job.id],
  file_id: ['text', (job) => job.fileId],
  file_at: ['int', (job, filePositions) => filePositions.get(job.fileId)!],
  priority: ['int', (job) => job.priority],
  max_retries: ['int', (job) => job.maxRetries],
  options: ['jsonb', (job) => job.options],
  run_at: ['timestamptz', (job) => timeOf(job.runAt)],
  available_at: ['timestamptz', (job) => timeOf(job.availableAt)],
  idempotency_key: ['text', (job) => job.idempotencyKey],
  user_id: ['text', (job) => job.userId],
  created_at: ['timestamptz', (job) => timeOf(job.createdAt)],
  trace_context: ['text', (job) => job.traceContext ?? null],
} satisfies Record<string, [type: string, value: JobValue]>;
type InputColumn = keyof typeof PER_JOB;
const PER_JOB_COLUMNS = Object.keys(PER_JOB) as InputColumn[];

/** What the parameters after the per-job ones are read from: one insert's jobs and their files. */
interface InsertCall {
  /** Each distinct file of the jobs once, in byte order of their ids. */
  distinctFiles: string[];
  /** The owner the files must belong to, and the formats' duration estimates (ms). */
  files: FilesOfNewJobs;
}

/** The parameters after the per-job ones, in parameter order: each one's type and its value for an insert. */
const PER_CALL = {
  file_ids: ['text[]', (call) => call.distinctFiles],
  /** Any file will do (an admin's or host code's enqueue), else `owner` must own it. */
  any_file: ['boolean', (call) => call.files.owner === undefined],
  owner: ['text', (call) => call.files.owner ?? null],
  /** A map's keys and values come in one order: each format beside its estimate. */
  estimate_formats: ['text[]', (call) => [...(call.files.estimatedDurations?.keys() ?? [])]],
  estimate_ms: ['int[]', (call) => [...(call.files.estimatedDurations?.values() ?? [])]],
} satisfies Record<string, [type: string, value: (call: InsertCall) => unknown]>;
type CallParameter = keyof typeof PER_CALL;
const PER_CALL_PARAMETERS = Object.keys(PER_CALL) as CallParameter[];

const parameter = (name: CallParameter) =>
  `$${PER_JOB_COLUMNS.length + PER_CALL_PARAMETERS.indexOf(name) + 1}::${PER_CALL[name][0]}`;
const FILE_IDS = parameter('file_ids');
const ANY_FILE = parameter('any_file');
const OWNER = parameter('owner');
const ESTIMATE_FORMATS = parameter('estimate_formats');
const ESTIMATE_MS = parameter('estimate_ms');

const USABLE_FILE = `(${ANY_FILE} OR file.user_id IS NOT DISTINCT FROM ${OWNER})`;

/**
 * The insert's time, the created_at of a job not given one: now() to the millisecond the column keeps, truncated
 * rather than rounded (a job is never dated after the instant of its insert, so a claim just after finds it due), so
 * that the record built from it equals the row. Worked out once, in `files`: per row, its three uses were ~2 % of a
 * bulk enqueue's time (date_trunc of a timestamptz, ~0.12 µs a call).
 */
const INSERTED_AT = "date_trunc('milliseconds', now())";

/**
 * The jobs' files, read and locked once per file rather than joined once per job (insertValues sends each distinct
 * file once, in FILE_IDS, and each job's position in it, in `file_at`).
 *
 * The files are read within the INSERT, so a single enqueue is one round trip instead of a lookup and an insert:
 * back to back, with a worker beside them, single enqueues took 2.2-2.9 ms instead of 3.0-3.5.
 *
 * PostgreSQL has no foreign key from jobs to files (migration 20261202100000_job_file_checked_once): its check, a
 * lookup and a row lock per inserted job, was 3-4 µs of the server's ~16 µs a job. `locked` locks each file against
 * deletion, in id order as LOCK_FILES_SQL takes them before DELETE_UNUSED_FILES_SQL runs (the two wait for each
 * other rather than deadlock); a file deleted after this statement's snapshot was taken is not returned by the lock
 * at all. So the jobs copy their files from `locked` alone, and `files.complete` says whether every file named is
 * there and usable. When one is not, every file_name is null, which the column refuses (23502): the statement fails
 * whole, and insertJobs then looks the files up to name them.
 *
 * `files` holds each column of the locked files as an array in byte order of their ids, the order insertValues puts
 * FILE_IDS in, so a job reads its file's values by subscript. Joined per job instead (an index lookup of stored_files and
 * a scan of the estimates, on connections without hash joins), the same 20,000 jobs in calls of 1,000 on one file
 * took 18-20 µs of the server's CPU a job, 15-16 µs this way; on 1,000 distinct files both took 23-26.
 */
const FILES_OF_THE_JOBS = `
locked AS MATERIALIZED (
  SELECT file.id AS file_id, file.original_name AS file_name, file.size AS file_size, file.format
    FROM stored_files AS file
   WHERE file.id = ANY(${FILE_IDS}) AND ${USABLE_FILE}
   ORDER BY file.id
     FOR KEY SHARE
), file_copies AS (
  SELECT locked.*, estimate.ms AS estimated_duration
    FROM locked LEFT JOIN unnest(${ESTIMATE_FORMATS}, ${ESTIMATE_MS}) AS estimate(format, ms) ON estimate.format = locked.format
), files AS MATERIALIZED (
  SELECT count(*) = cardinality(${FILE_IDS}) AS complete,
         array_agg(file_name ORDER BY file_id COLLATE "C") AS names,
         array_agg(file_size ORDER BY file_id COLLATE "C") AS sizes,
         array_agg(format ORDER BY file_id COLLATE "C") AS formats,
         array_agg(estimated_duration ORDER BY file_id COLLATE "C") AS estimates,
         ${INSERTED_AT} AS inserted_at
    FROM file_copies
)`;

const CREATED_AT = 'coalesce(input.created_at, files.inserted_at)';

/**
 * The jobs as rows of the input `columns` alone: each insert unnests only the arrays it reads (the states' 7 of the
 * 12). Both unnesting all twelve cost PostgreSQL 10.0 against 9.5 µs of CPU a job, and 13.1 against 12.6 µs of the
 * statement's time (20,000 jobs in calls of 1,000, 14 alternating rounds, medians; never lower in a round).
 */
const input = (...columns: InputColumn[]) => `
       unnest(${columns.map((column) => `$${PER_JOB_COLUMNS.indexOf(column) + 1}::${PER_JOB[column][0]}[]`).join(', ')})
    AS input(${columns.join(', ')})`;

const RECORD_INPUT = input(
  'id',
  'file_id',
  'file_at',
  'priority',
  'max_retries',
  'options',
  'run_at',
  'idempotency_key',
  'user_id',
  'created_at',
  'trace_context',
);
const STATE_INPUT = input('id', 'file_at', 'priority', 'run_at', 'available_at', 'user_id', 'created_at');

/**
 * A job is two rows (migration 20261206100000_job_state_apart): its record, which only the insert writes, and its
 * state. A job's created_at, unless given, is this server's now() (`files.inserted_at`): the claim compares
 * available_at with now() and ranks a priority's jobs by created_at, so by the enqueuing instances' clocks one whose
 * clock ran a minute ahead held back every job it enqueued for that minute, and one a minute behind put its jobs
 * ahead of everyone's of the last minute. Its available_at, unless given, is its run_at or created_at, whichever is
 * later (GREATEST passes over a null run_at; pendingJobRecord applies the same rule).
 */
const INSERT_RECORDS = `
INSERT INTO job_records (id, file_id, file_name, file_size, format, priority, max_retries, options, run_at,
                         idempotency_key, user_id, created_at, estimated_duration, trace_context)
SELECT input.id, input.file_id, CASE WHEN files.complete THEN files.names[input.file_at] END,
       files.sizes[input.file_at], files.formats[input.file_at], input.priority, input.max_retries, input.options,
       input.run_at, input.idempotency_key, input.user_id, ${CREATED_AT}, files.estimates[input.file_at],
       input.trace_context
  FROM files, ${RECORD_INPUT}`;

/** The new jobs' states, PENDING, each read from the input as its record is (`only`: which of them). */
const insertStates = (only = '') => `
INSERT INTO job_states (id, status, stage, format, priority, created_at, user_id, available_at, updated_at)
SELECT input.id, 'PENDING', 'QUEUED', files.formats[input.file_at], input.priority, ${CREATED_AT}, input.user_id,
       coalesce(input.available_at, GREATEST(input.run_at, ${CREATED_AT})), ${CREATED_AT}
  FROM files, ${STATE_INPUT}${only}`;

/** What a new job copies from its file, the same for every job of that file: the columns of `file_copies`. */
const FILE_COPY = 'file_id, file_name, file_size, format, estimated_duration';

/**
 * Jobs of which some have an idempotency key: a key already taken skips its job (insertJobs reads that job), so each
 * inserted job is returned, and only those get a state (a membership test in the inserted ids per job: the queue's
 * connections join by nested loops, and a keyed enqueue is usually of one job).
 */
export const INSERT_KEYED_SQL = `
WITH ${FILES_OF_THE_JOBS}, inserted AS (${INSERT_RECORDS}
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING id, ${FILE_COPY}
), states AS (${insertStates('\n WHERE input.id = ANY (ARRAY(SELECT id FROM inserted))')}
)
SELECT id, ${FILE_COPY}, (SELECT inserted_at FROM files) AS inserted_at FROM inserted`;

/**
 * Jobs none of which has a key, the bulk enqueue's usual case: all are inserted or the statement fails, so it returns
 * the files rather than the jobs (1,000 rows of 5 columns were ~0.6 µs of JavaScript a job to read, in a CPU profile
 * of enqueueMany). PostgreSQL runs a data-modifying WITH to its end whether or not the query reads it. Without ON
 * CONFLICT each row is a plain insert rather than a speculative one (checked against the key's index, then
 * confirmed): 15 instead of 16 µs of PostgreSQL's CPU a job (in-process, 20,000 jobs in calls of 1,000).
 */
export const INSERT_UNKEYED_SQL = `
WITH ${FILES_OF_THE_JOBS}, inserted AS (${INSERT_RECORDS}
), states AS (${insertStates()}
)
SELECT ${FILE_COPY}, files.inserted_at FROM file_copies, files`;

/** The insert statements' parameters: PER_JOB's arrays (each one array text, arrayColumn), then PER_CALL's. */
export function insertValues(jobs: NewJob[], files: FilesOfNewJobs): unknown[] {
  const distinctFiles = inByteOrder([...new Set(jobs.map((job) => job.fileId))]);
  const filePositions = new Map(distinctFiles.map((fileId, index) => [fileId, index + 1]));
  const call: InsertCall = { distinctFiles, files };
  return [
    ...PER_JOB_COLUMNS.map((column) => {
      const value: JobValue = PER_JOB[column][1];
      return arrayColumn(jobs, (job) => value(job, filePositions));
    }),
    ...PER_CALL_PARAMETERS.map((name) => PER_CALL[name][1](call)),
  ];
}

/**
 * Ids in the order of `ORDER BY id COLLATE "C"`: their UTF-8 bytes, which is code point order. JavaScript compares
 * UTF-16 code units, the same order unless a surrogate pair meets a character above it (U+E000-U+FFFF).
 */
function inByteOrder(ids: string[]): string[] {
  if (!ids.some((id) => /[\ud800-\uffff]/.test(id))) return ids.sort();
  return ids.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}
