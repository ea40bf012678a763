import type Database from 'better-sqlite3';
import type { JobRecord, StoredFileRecord } from '../common/job-record';
import { pendingJobRecord, sqliteFileReader, sqliteJobReader } from './row-mapping';
import type { PrismaService } from './prisma.service';
import {
  CLAIM_ORDER,
  type Completion,
  type FileOfNewJob,
  fileIdsOf,
  type FilesOfNewJobs,
  type LeaseRenewal,
  leaseRenewal,
  type NewJob,
  NEXT_DUE_SQL,
  type QueueStore,
  type SavedExtraction,
  type SavedProgress,
  type SettledStatus,
  type Settlement,
  sortInClaimOrder,
  unknownFilesOf,
} from './queue-store';
import { SqliteSettleStatements } from './sqlite-settle-statements';

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
 WHERE id = ? AND lease_owner = ? AND status = 'PROCESSING'
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

interface Statements {
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

/**
 * SQLite: each operation is one synchronous transaction of prepared statements on Prisma's connection. The claim
 * is a single UPDATE ... WHERE id IN (SELECT ... LIMIT n) RETURNING *; SQLite runs one writer at a time, across
 * processes too, so no job is handed out twice.
 */
export class SqliteQueueStore implements QueueStore {
  readonly claimsWhileCommitting = false;
  private statements: Statements | null = null;
  private readonly settleStatements = new SqliteSettleStatements();

  constructor(private readonly prisma: PrismaService) {}

  /** The files are looked up in the insert's transaction: in-process, they cost no round trip as on PostgreSQL. */
  insertJobs(jobs: NewJob[], files: FilesOfNewJobs = {}): Promise<JobRecord[]> {
    return this.prisma.sqliteTransaction((db) => {
      const { insert, byKey } = this.prepared(db);
      const fileIds = fileIdsOf(jobs);
      const found = new Map(this.filesIn(db, fileIds, files.owner).map((file) => [file.id, file]));
      const unknown = unknownFilesOf(fileIds, found);
      if (unknown) throw unknown;
      const insertedAt = new Date(); // one machine, one clock
      return jobs.map((job) => {
        const file = found.get(job.fileId)!;
        const copy: FileOfNewJob = {
          fileName: file.originalName,
          fileSize: file.size,
          format: file.format,
          estimatedDuration: files.estimatedDurations?.get(file.format) ?? null,
        };
        const record = pendingJobRecord(job, copy, insertedAt);
        const { changes } = insert.run(
          job.id,
          job.fileId,
          copy.fileName,
          copy.fileSize,
          copy.format,
          job.priority,
          job.maxRetries,
          job.options,
          job.runAt?.getTime() ?? null,
          record.availableAt.getTime(),
          job.idempotencyKey,
          job.userId,
          record.createdAt.getTime(),
          record.createdAt.getTime(),
          copy.estimatedDuration,
          job.traceContext ?? null,
        );
        // As on PostgreSQL, a new row's record is built from its input rather than read back (pendingJobRecord).
        if (changes === 1) return record;
        return byKey.read(byKey.statement.get(job.idempotencyKey) as unknown[]);
      });
    });
  }

  findJobs(ids: string[]): Promise<JobRecord[]> {
    return this.prisma.sqliteRead((db) => {
      const { statement, read } = this.prepared(db).findJobs;
      return (statement.all(JSON.stringify(ids)) as unknown[][]).map(read);
    });
  }

  findStalled(): Promise<JobRecord[]> {
    return this.prisma.sqliteRead((db) => {
      const { statement, read } = this.prepared(db).findStalled;
      return (statement.all(Date.now()) as unknown[][]).map(read);
    });
  }

  saveProgress(jobId: string, workerId: string, progress: SavedProgress): Promise<void> {
    return this.prisma.sqliteTransaction((db) => {
      const { stage, bytesProcessed } = progress;
      this.prepared(db).saveProgress.run(stage, progress.progress, bytesProcessed, Date.now(), jobId, workerId);
    });
  }

  saveExtraction(jobId: string, workerId: string, extraction: SavedExtraction): Promise<void> {
    return this.prisma.sqliteTransaction((db) => {
      const { extractedText, metadata, result } = extraction;
      this.prepared(db).saveExtraction.run(extractedText, metadata, result, Date.now(), jobId, workerId);
    });
  }

  deleteFinishedJobs(before: Date, limit: number): Promise<string[]> {
    return this.prisma.sqliteTransaction((db) => {
      const statements = this.prepared(db);
      const jobs = statements.finished.all(before.getTime(), limit) as { id: string; file_id: string }[];
      const ids = JSON.stringify(jobs.map((job) => job.id));
      statements.deleteAttempts.run(ids);
      statements.deleteJobs.run(ids);
      return jobs.map((job) => job.file_id);
    });
  }

  deleteUnusedFiles(fileIds: string[]): Promise<{ id: string; storagePath: string }[]> {
    if (fileIds.length === 0) return Promise.resolve([]);
    return this.prisma.sqliteTransaction((db) => {
      const rows = this.prepared(db).deleteUnusedFiles.all(JSON.stringify(fileIds)) as {
        id: string;
        storage_path: string;
      }[];
      return rows.map((row) => ({ id: row.id, storagePath: row.storage_path }));
    });
  }

  databaseTime(): Promise<Date> {
    return Promise.resolve(new Date()); // SQLite keeps no clock: its times are this machine's
  }

  msUntilNextDue(): Promise<number | null> {
    return this.prisma.sqliteRead((db) => {
      const { due } = this.prepared(db).nextDue.get() as { due: number | null };
      return due === null ? null : Number(due) - Date.now(); // one machine, one clock: the claim's is this one
    });
  }

  findFiles(ids: string[], ownerId: string | null | undefined): Promise<StoredFileRecord[]> {
    return this.prisma.sqliteRead((db) => this.filesIn(db, ids, ownerId));
  }

  private filesIn(db: Database.Database, ids: string[], ownerId: string | null | undefined): StoredFileRecord[] {
    const { statement, read } = this.prepared(db).findFiles;
    const rows = statement.all(JSON.stringify(ids), ownerId === undefined ? 1 : 0, ownerId ?? null) as unknown[][];
    return rows.map(read);
  }

  claim(workerId: string, limit: number, leaseMs: number): Promise<JobRecord[]> {
    return this.prisma.sqliteTransaction((db) => {
      const now = Date.now();
      const { statement, read } = this.prepared(db).claim;
      const rows = statement.all(workerId, now + leaseMs, now, now, now, limit) as unknown[][];
      return sortInClaimOrder(rows.map(read));
    });
  }

  completeMany(workerId: string, completions: Completion[]): Promise<Set<string>> {
    return this.prisma.sqliteTransaction((db) => {
      const { complete } = this.prepared(db);
      const now = Date.now();
      const committed = new Set<string>();
      for (const completion of completions) {
        const row = complete.get(
          completion.bytesProcessed,
          completion.extractedText,
          completion.metadata,
          completion.result,
          now,
          now,
          now,
          completion.jobId,
          workerId,
        );
        if (row) committed.add(completion.jobId);
      }
      return committed;
    });
  }

  renewLeases(workerId: string, jobIds: string[], leaseMs: number): Promise<LeaseRenewal> {
    if (jobIds.length === 0) return Promise.resolve({ lost: [], cancelRequested: [] });
    return this.prisma.sqliteTransaction((db) => {
      const rows = this.prepared(db).renew.all(Date.now() + leaseMs, JSON.stringify(jobIds), workerId);
      return leaseRenewal(jobIds, rows as { id: string; cancel_requested: number }[]);
    });
  }

  settleMany(settlements: Settlement[], onlyExpiredLeases = false): Promise<Map<string, SettledStatus>> {
    if (settlements.length === 0) return Promise.resolve(new Map<string, SettledStatus>());
    return this.prisma.sqliteTransaction((db) => this.settleStatements.settle(db, settlements, onlyExpiredLeases));
  }

  private prepared(db: Database.Database): Statements {
    if (!this.statements) {
      // Prisma's connection returns integers as BigInt; these statements read plain numbers.
      const prepare = (sql: string) => db.prepare(sql).safeIntegers(false);
      const reading = <T>(sql: string, reader: (columns: string[]) => (values: unknown[]) => T): Reading<T> => {
        const statement = prepare(sql).raw(true);
        return { statement, read: reader(statement.columns().map((column) => column.name)) };
      };
      this.statements = {
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
        nextDue: prepare(NEXT_DUE_SQL),
        claim: reading(CLAIM_SQL, sqliteJobReader),
        complete: prepare(COMPLETE_SQL),
        renew: prepare(RENEW_SQL),
      };
    }
    return this.statements;
  }
}
