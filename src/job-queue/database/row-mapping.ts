import type { JobRecord, StoredFileRecord } from '../common/job-record';
import type { FileOfNewJob, NewJob } from './queue-store';

/** Rows of the queue's own SQL statements as Prisma's model types: camelCase fields, bigints where Prisma has them. */
const fieldNames = new Map<string, string>();
const snakeToCamel = (column: string): string => {
  let field = fieldNames.get(column);
  if (field === undefined) {
    field = column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    fieldNames.set(column, field);
  }
  return field;
};

/** Columns of each table modelled as bigint. */
const JOB_BIGINTS = new Set(['fileSize', 'bytesProcessed']);
const FILE_BIGINTS = new Set(['size']);

const DATE_FIELDS = new Set([
  'lastRetryAt',
  'nextRetryAt',
  'runAt',
  'availableAt',
  'leaseExpiresAt',
  'cancelRequestedAt',
  'createdAt',
  'startedAt',
  'completedAt',
  'updatedAt',
]);
const JSON_FIELDS = new Set(['options', 'result', 'metadata']);
const BOOLEAN_FIELDS = new Set(['errorRecoverable', 'nextAttemptManual']);

type Convert = (value: unknown) => unknown;
const asDate: Convert = (value) => new Date(Number(value));
const asJson: Convert = (value) => JSON.parse(value as string);
const asBoolean: Convert = (value) => Number(value) === 1;
/** int8 arrives as text from node-postgres and as a number from SQLite; the model has bigint. */
const asBigint: Convert = (value) => BigInt(value as string | number);

/** How a SQLite value of `field` becomes the model's: timestamps are epoch milliseconds, JSON text, booleans 0/1. */
function sqliteConverter(field: string, bigints: Set<string>): Convert | null {
  if (DATE_FIELDS.has(field)) return asDate;
  if (JSON_FIELDS.has(field)) return asJson;
  if (BOOLEAN_FIELDS.has(field)) return asBoolean;
  return bigints.has(field) ? asBigint : null;
}

/** node-postgres parses dates, JSON and booleans itself (dates with the queue pool's parser); int8 stays text. */
const postgresConverter = (field: string, bigints: Set<string>): Convert | null =>
  bigints.has(field) ? asBigint : null;

/**
 * Reads rows fetched as arrays in the statement's column order (better-sqlite3's raw mode, node-postgres's
 * `rowMode: 'array'`) into the model's field names and types; the conversion of each column is worked out once
 * per statement or result, not per row. Measured on a SQLite claim of 100 (20,000 queued): raw rows save
 * better-sqlite3 a 35-key object per row (~8 µs a job), and converting by position instead of by column name
 * ~10 µs a job of JavaScript. On PostgreSQL, reading the claim's 37 columns as row objects, renamed afterwards, and
 * their dates with node-postgres's parser took 16-19 µs of the worker's CPU a job; as arrays, with the queue pool's
 * date parser, 9-10 µs (serial claims of 100 over 20,000 jobs, the two ways alternating, 4 rounds each).
 */
function rowReader<T>(
  columns: string[],
  bigints: Set<string>,
  converter: (field: string, bigints: Set<string>) => Convert | null,
  laterFields: readonly string[] = [],
): (values: unknown[]) => T {
  const fields = columns.map(snakeToCamel);
  const converters = fields.map((field) => converter(field, bigints));
  // Each record is a copy of one with every field (`laterFields` too: the caller sets those), then filled in. Built
  // up field by field from `{}`, V8 gave up on a shape for it past a dozen fields and kept the 37 in a hash table
  // (~1.9 KB a record, and a lookup per read): in the PostgreSQL burn-down, 18.4 KB were allocated a job, 15.6 now
  // (V8's sampling heap profiler, collected objects included).
  const template = Object.fromEntries([...fields, ...laterFields].map((field) => [field, null])) as Record<
    string,
    unknown
  >;
  return (values) => {
    const record: Record<string, unknown> = { ...template };
    for (let index = 0; index < fields.length; index++) {
      const value = values[index];
      const convert = converters[index];
      record[fields[index]] = value === null || convert === null ? value : convert(value);
    }
    return record as T;
  };
}

export const sqliteJobReader = (columns: string[]) => rowReader<JobRecord>(columns, JOB_BIGINTS, sqliteConverter);
export const sqliteFileReader = (columns: string[]) =>
  rowReader<StoredFileRecord>(columns, FILE_BIGINTS, sqliteConverter);
/** `laterFields`: fields the caller sets on each record afterwards (claimedJobReader). */
export const postgresJobReader = (columns: string[], laterFields?: readonly (keyof JobRecord)[]) =>
  rowReader<JobRecord>(columns, JOB_BIGINTS, postgresConverter, laterFields);
export const postgresFileReader = (columns: string[]) =>
  rowReader<StoredFileRecord>(columns, FILE_BIGINTS, postgresConverter);

/**
 * The record of a job just inserted by the queue's bulk INSERT, built from its input, its file's copy and the time of
 * the insert (`insertedAt`, the database's): every other column takes the value the INSERT gives it (the conformance
 * suite compares the two). Returning and parsing every column of 1,000 new rows instead cost ~10 of the ~55 ms of a
 * bulk insert.
 */
export function pendingJobRecord(job: NewJob, file: FileOfNewJob, insertedAt: Date): JobRecord {
  const createdAt = job.createdAt ?? insertedAt;
  return {
    id: job.id,
    fileId: job.fileId,
    fileName: file.fileName,
    fileSize: file.fileSize,
    format: file.format,
    status: 'PENDING',
    stage: 'QUEUED',
    progress: 0,
    bytesProcessed: null,
    priority: job.priority,
    options: job.options === null ? null : (JSON.parse(job.options) as JobRecord['options']),
    result: null,
    metadata: null,
    extractedText: null,
    errorCode: null,
    errorMessage: null,
    errorRecoverable: true,
    attemptCount: 0,
    retryCount: 0,
    maxRetries: job.maxRetries,
    lastRetryAt: null,
    nextRetryAt: null,
    runAt: job.runAt,
    availableAt: job.availableAt ?? (job.runAt && job.runAt > createdAt ? job.runAt : createdAt),
    idempotencyKey: job.idempotencyKey,
    nextAttemptManual: false,
    leaseOwner: null,
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    estimatedDuration: file.estimatedDuration,
    actualDuration: null,
    createdAt,
    startedAt: null,
    completedAt: null,
    updatedAt: createdAt,
    userId: job.userId,
    traceContext: job.traceContext ?? null,
  };
}
