import type { JobRecord, StoredFileRecord } from '../common/job-record';
import { arrayColumn, arrayLiteral } from './postgres/array-literal';
import { onCheckedOutConnection } from './postgres/checked-out-connection';
import { pendingJobRecord, postgresFileReader, postgresJobReader } from './row-mapping';
import type { PrismaService } from './prisma.service';
import {
  type Completion,
  type FileOfNewJob,
  fileIdsOf,
  type FilesOfNewJobs,
  inInputOrder,
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
import {
  BY_KEYS_SQL,
  CLAIM_SQL,
  claimedJobReader,
  COMPLETE_SQL,
  DATABASE_TIME_SQL,
  DELETE_FINISHED_SQL,
  DELETE_UNUSED_FILES_SQL,
  FIND_FILES_SQL,
  FIND_JOBS_SQL,
  LOCK_FILES_SQL,
  MS_UNTIL_NEXT_DUE_SQL,
  RENEW_SQL,
  SAVE_EXTRACTION_SQL,
  SAVE_PROGRESS_SQL,
  STALLED_SQL,
} from './postgres-queue-statements';
import { INSERT_KEYED_SQL, INSERT_UNKEYED_SQL, insertValues } from './postgres-insert-statement';
import { SETTLE_SQL, settleValues } from './postgres-settle-statement';

/** PostgreSQL's SQLSTATE for a null in a NOT NULL column. */
const NOT_NULL_VIOLATION = '23502';

/** A row of the insert: one per job, or (INSERT_UNKEYED_SQL) one per file, without `id`. */
interface InsertedRow extends Record<string, unknown> {
  id?: string;
  file_id: string;
  file_name: string;
  file_size: string;
  format: string;
  estimated_duration: number | null;
  inserted_at: Date;
}

const fileCopy = (row: InsertedRow): FileOfNewJob => ({
  fileName: row.file_name,
  fileSize: BigInt(row.file_size),
  format: row.format,
  estimatedDuration: row.estimated_duration,
});

export class PostgresQueueStore implements QueueStore {
  readonly claimsWhileCommitting = true;

  constructor(private readonly prisma: PrismaService) {}

  async insertJobs(jobs: NewJob[], files: FilesOfNewJobs = {}): Promise<JobRecord[]> {
    const keyed = jobs.some((job) => job.idempotencyKey !== null);
    let rows: InsertedRow[];
    try {
      const [name, text] = keyed ? ['insert-keyed-jobs', INSERT_KEYED_SQL] : ['insert-jobs', INSERT_UNKEYED_SQL];
      ({ rows } = await this.run<InsertedRow>(name, text, insertValues(jobs, files)));
    } catch (error) {
      throw (error as { code?: string }).code === NOT_NULL_VIOLATION
        ? await this.unknownFiles(jobs, files, error)
        : error;
    }
    if (!keyed) {
      // One row per file: every job was inserted.
      const copies = new Map(rows.map((row) => [row.file_id, fileCopy(row)]));
      return jobs.map((job) => pendingJobRecord(job, copies.get(job.fileId)!, rows[0].inserted_at));
    }
    const byId = new Map(rows.map((row) => [row.id!, row]));
    const inserted = jobs
      .filter((job) => byId.has(job.id))
      .map((job) => pendingJobRecord(job, fileCopy(byId.get(job.id)!), byId.get(job.id)!.inserted_at));
    const conflicting = jobs.length === inserted.length ? [] : this.conflictingKeys(jobs, inserted);
    const existing = conflicting.length
      ? await this.read('jobs-by-keys', BY_KEYS_SQL, [conflicting], postgresJobReader)
      : [];
    return inInputOrder(jobs, inserted, existing);
  }

  /** The files of a failed insert that are missing or not the owner's; the original error when there are none. */
  private async unknownFiles(jobs: NewJob[], files: FilesOfNewJobs, error: unknown): Promise<unknown> {
    const fileIds = fileIdsOf(jobs);
    const found = new Set((await this.findFiles(fileIds, files.owner)).map((file) => file.id));
    return unknownFilesOf(fileIds, found) ?? error;
  }

  async findJobs(ids: string[]): Promise<JobRecord[]> {
    return this.read('find-jobs', FIND_JOBS_SQL, [ids], postgresJobReader);
  }

  async findStalled(): Promise<JobRecord[]> {
    return this.read('find-stalled', STALLED_SQL, [], postgresJobReader);
  }

  async saveProgress(workerId: string, progress: readonly SavedProgress[]): Promise<void> {
    if (progress.length === 0) return;
    await this.run('save-progress', SAVE_PROGRESS_SQL, [
      workerId,
      arrayColumn(progress, (job) => job.jobId),
      arrayColumn(progress, (job) => job.stage),
      arrayColumn(progress, (job) => job.progress),
      arrayColumn(progress, (job) => job.bytesProcessed),
    ]);
  }

  async saveExtraction(jobId: string, workerId: string, extraction: SavedExtraction): Promise<void> {
    const { extractedText, metadata, result } = extraction;
    await this.run('save-extraction', SAVE_EXTRACTION_SQL, [jobId, workerId, extractedText, metadata, result]);
  }

  async deleteFinishedJobs(before: Date, limit: number): Promise<string[]> {
    const { rows } = await this.run<{ file_id: string }>('delete-finished', DELETE_FINISHED_SQL, [before, limit]);
    return rows.map((row) => row.file_id);
  }

  async deleteUnusedFiles(fileIds: string[]): Promise<{ id: string; storagePath: string }[]> {
    if (fileIds.length === 0) return [];
    return onCheckedOutConnection(this.prisma.queuePool!, async (connection) => {
      await connection.query('BEGIN');
      await connection.query(namedStatement('lock-files', LOCK_FILES_SQL, [fileIds]));
      const { rows } = await connection.query<{ id: string; storage_path: string }>(
        namedStatement('delete-unused-files', DELETE_UNUSED_FILES_SQL, [fileIds]),
      );
      await connection.query('COMMIT');
      return rows.map((row) => ({ id: row.id, storagePath: row.storage_path }));
    });
  }

  async databaseTime(): Promise<Date> {
    const { rows } = await this.run<{ now: Date }>('database-time', DATABASE_TIME_SQL, []);
    return rows[0].now;
  }

  async msUntilNextDue(): Promise<number | null> {
    const { rows } = await this.run<{ ms: number | null }>('next-due', MS_UNTIL_NEXT_DUE_SQL, []);
    return rows[0]?.ms ?? null;
  }

  async findFiles(ids: string[], ownerId: string | null | undefined): Promise<StoredFileRecord[]> {
    return this.read('find-files', FIND_FILES_SQL, [ids, ownerId === undefined, ownerId ?? null], postgresFileReader);
  }

  private conflictingKeys(jobs: NewJob[], inserted: JobRecord[]): string[] {
    const insertedIds = new Set(inserted.map((job) => job.id));
    return jobs.filter((job) => !insertedIds.has(job.id)).map((job) => job.idempotencyKey!);
  }

  async claim(workerId: string, limit: number, leaseMs: number): Promise<JobRecord[]> {
    return sortInClaimOrder(
      await this.read('claim', CLAIM_SQL, [workerId, limit, leaseMs], claimedJobReader(workerId)),
    );
  }

  async completeMany(workerId: string, completions: Completion[]): Promise<Set<string>> {
    const { rows } = await this.run<{ id: string }>('complete', COMPLETE_SQL, [
      workerId,
      arrayColumn(completions, (completion) => completion.jobId),
      arrayColumn(completions, (completion) => completion.extractedText),
      arrayColumn(completions, (completion) => completion.metadata),
      arrayColumn(completions, (completion) => completion.result),
      arrayColumn(completions, (completion) => completion.bytesProcessed),
      arrayColumn(completions, (completion) => completion.attempt),
    ]);
    return new Set(rows.map((row) => row.id));
  }

  async renewLeases(workerId: string, jobIds: string[], leaseMs: number): Promise<LeaseRenewal> {
    if (jobIds.length === 0) return { lost: [], cancelRequested: [] };
    const { rows } = await this.run<{ id: string; cancel_requested: boolean }>('renew-leases', RENEW_SQL, [
      workerId,
      arrayLiteral(jobIds),
      leaseMs,
    ]);
    return leaseRenewal(jobIds, rows);
  }

  async settleMany(settlements: Settlement[], onlyExpiredLeases = false): Promise<Map<string, SettledStatus>> {
    if (settlements.length === 0) return new Map<string, SettledStatus>();
    const { rows } = await this.run<{ id: string; status: SettledStatus }>(
      'settle',
      SETTLE_SQL,
      settleValues(settlements, onlyExpiredLeases),
    );
    return new Map(rows.map((row) => [row.id, row.status]));
  }

  /** A named statement: parsed and planned once per connection (planning the claim took longer than running it). */
  private run<R extends Record<string, unknown> = Record<string, unknown>>(
    name: string,
    text: string,
    values: unknown[],
  ) {
    return this.prisma.queuePool!.query<R>(namedStatement(name, text, values));
  }

  /** A named statement whose rows are records, fetched as arrays and read by position (see rowReader). */
  private async read<T>(
    name: string,
    text: string,
    values: unknown[],
    reader: (columns: string[]) => (values: unknown[]) => T,
  ): Promise<T[]> {
    const { rows, fields } = await this.prisma.queuePool!.query<unknown[]>({
      ...namedStatement(name, text, values),
      rowMode: 'array',
    });
    if (rows.length === 0) return [];
    const readRow = reader(fields.map((field) => field.name));
    return rows.map(readRow);
  }
}

/** The queue's statements are prepared under names of their own on the pool's connections. */
const namedStatement = (name: string, text: string, values: unknown[]) => ({ name: `queue.${name}`, text, values });
