/**
 * The SQLite queue store's statements (SqliteQueueStore prepares them once on Prisma's connection), kept apart from
 * the store as the PostgreSQL ones are (postgres-queue-statements.ts), so that each reads with its reasons.
 */
import type Database from 'better-sqlite3';
import type { JobRecord, StoredFileRecord } from '../common/job-record';
import { CLAIM_ORDER, nextDueSql } from './queue-store';
import { sqliteFileReader, sqliteJobReader } from './row-mapping';

/**
 * Without statistics (SQLite gathers none unless told to) the planner reads every due job through the
 * (status, available_at) index and sorts them all; the claim index already holds them in claim order (5x faster
 * with 20,000 queued).
 */
const CLAIM_SQL = `
UPDATE processing_jobs
   SET status = 'PROCESSING', stage = 'QUEUED', progress = 0, bytes_processed = 0,
       lease_owner = ?, lease_expires_at = ?, cancel_requested_at = NULL, started_at = ?, updated_at = ?,
       attempt_count = attempt_count + 1
 WHERE id IN (SELECT id FROM processing_jobs INDEXED BY processing_jobs_claim_idx
               WHERE status IN ('PENDING', 'RETRYING') AND available_at <= ?
               ORDER BY ${CLAIM_ORDER} LIMIT ?)
RETURNING *`;

const COMPLETE_SQL = `
UPDATE processing_jobs
   SET status = 'COMPLETED', stage = 'COMPLETED', progress = 100, bytes_processed = ?,
       extracted_text = ?, metadata = ?, result = ?,
       error_code = NULL, error_message = NULL, error_recoverable = 1,
       completed_at = ?, actual_duration = ? - started_at, lease_expires_at = NULL, updated_at = ?
 WHERE id = ? AND lease_owner = ? AND attempt_count = ? AND status = 'PROCESSING'
RETURNING id`;

const RENEW_SQL = `
UPDATE processing_jobs SET lease_expires_at = ?
 WHERE id IN (SELECT value FROM json_each(?)) AND lease_owner = ? AND status = 'PROCESSING'
RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested`;

const INSERT_SQL = `
INSERT INTO processing_jobs (id, file_id, file_name, file_size, format, status, stage, priority, max_retries, options,
                             run_at, available_at, idempotency_key, user_id, created_at, updated_at, estimated_duration,
                             trace_context)
VALUES (?, ?, ?, ?, ?, 'PENDING', 'QUEUED', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`;

const BY_KEY_SQL = `SELECT * FROM processing_jobs WHERE idempotency_key = ?`;

const FIND_JOBS_SQL = `SELECT * FROM processing_jobs WHERE id IN (SELECT value FROM json_each(?))`;

const STALLED_SQL = `
SELECT * FROM processing_jobs WHERE status = 'PROCESSING' AND lease_expires_at < ? ORDER BY lease_expires_at`;

const SAVE_PROGRESS_SQL = `
UPDATE processing_jobs SET stage = ?, progress = ?, bytes_processed = ?, updated_at = ?
 WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'`;

const SAVE_EXTRACTION_SQL = `
UPDATE processing_jobs SET extracted_text = ?, metadata = coalesce(?, metadata), result = ?, updated_at = ?
 WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'`;

const FINISHED_SQL = `
SELECT id, file_id FROM processing_jobs
 WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND completed_at < ? LIMIT ?`;

const DELETE_ATTEMPTS_SQL = `DELETE FROM job_attempts WHERE job_id IN (SELECT value FROM json_each(?))`;

const DELETE_JOBS_SQL = `DELETE FROM processing_jobs WHERE id IN (SELECT value FROM json_each(?))`;

const DELETE_UNUSED_FILES_SQL = `
DELETE FROM stored_files
 WHERE id IN (SELECT value FROM json_each(?))
   AND NOT EXISTS (SELECT 1 FROM processing_jobs AS job WHERE job.file_id = stored_files.id)
RETURNING id, storage_path`;

const FIND_FILES_SQL = `
SELECT * FROM stored_files WHERE id IN (SELECT value FROM json_each(?)) AND (? OR user_id IS ?)`;

/** A statement run in raw mode (rows as arrays), with the reader of its rows. */
interface Reading<T> {
  statement: Database.Statement;
  read: (values: unknown[]) => T;
}

export interface Statements {
  insert: Database.Statement;
  byKey: Reading<JobRecord>;
  findFiles: Reading<StoredFileRecord>;
  findJobs: Reading<JobRecord>;
  findStalled: Reading<JobRecord>;
  saveProgress: Database.Statement;
  saveExtraction: Database.Statement;
  finished: Database.Statement;
  deleteAttempts: Database.Statement;
  deleteJobs: Database.Statement;
  deleteUnusedFiles: Database.Statement;
  nextDue: Database.Statement;
  claim: Reading<JobRecord>;
  complete: Database.Statement;
  renew: Database.Statement;
}

/** Prepares every statement of the store on `db`. */
export function prepareStatements(db: Database.Database): Statements {
  // Prisma's connection returns integers as BigInt; these statements read plain numbers.
  const prepare = (sql: string) => db.prepare(sql).safeIntegers(false);
  const reading = <T>(sql: string, reader: (columns: string[]) => (values: unknown[]) => T): Reading<T> => {
    const statement = prepare(sql).raw(true);
    return { statement, read: reader(statement.columns().map((column) => column.name)) };
  };
  return {
    insert: prepare(INSERT_SQL),
    byKey: reading(BY_KEY_SQL, sqliteJobReader),
    findFiles: reading(FIND_FILES_SQL, sqliteFileReader),
    findJobs: reading(FIND_JOBS_SQL, sqliteJobReader),
    findStalled: reading(STALLED_SQL, sqliteJobReader),
    saveProgress: prepare(SAVE_PROGRESS_SQL),
    saveExtraction: prepare(SAVE_EXTRACTION_SQL),
    finished: prepare(FINISHED_SQL),
    deleteAttempts: prepare(DELETE_ATTEMPTS_SQL),
    deleteJobs: prepare(DELETE_JOBS_SQL),
    deleteUnusedFiles: prepare(DELETE_UNUSED_FILES_SQL),
    nextDue: prepare(nextDueSql('processing_jobs')),
    claim: reading(CLAIM_SQL, sqliteJobReader),
    complete: prepare(COMPLETE_SQL),
    renew: prepare(RENEW_SQL),
  };
}
