import type Database from 'better-sqlite3';
import type { JobRecord, StoredFileRecord } from '../common/job-record';
import { pendingJobRecord } from './row-mapping';
import type { PrismaService } from './prisma.service';
import {
  type Completion,
  type FileOfNewJob,
  fileIdsOf,
  type FilesOfNewJobs,
  type LeaseRenewal,
  leaseRenewal,
  type NewJob,
  type QueueStore,
  type SavedExtraction,
  type SavedProgress,
  type SettledStatus,
  type Settlement,
  sortInClaimOrder,
  unknownFilesOf,
} from './queue-store';
import { prepareStatements, type Statements } from './sqlite-queue-statements';
import { SqliteSettleStatements } from './sqlite-settle-statements';

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

  saveProgress(workerId: string, progress: readonly SavedProgress[]): Promise<void> {
    if (progress.length === 0) return Promise.resolve();
    return this.prisma.sqliteTransaction((db) => {
      const { saveProgress } = this.prepared(db);
      const now = Date.now();
      for (const job of progress)
        saveProgress.run(job.stage, job.progress, job.bytesProcessed, now, job.jobId, workerId);
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
          completion.attempt,
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
    return (this.statements ??= prepareStatements(db));
  }
}
