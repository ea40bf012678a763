import type { DatabaseClient } from '../database/prisma.service';

/** A job row as the database layer returns it (Prisma's model type). */
export type JobRecord = NonNullable<Awaited<ReturnType<DatabaseClient['processingJob']['findUnique']>>>;
export type JobAttemptRecord = NonNullable<Awaited<ReturnType<DatabaseClient['jobAttempt']['findUnique']>>>;
export type StoredFileRecord = NonNullable<Awaited<ReturnType<DatabaseClient['storedFile']['findUnique']>>>;

const snakeToCamel = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

const BIGINT_FIELDS = new Set(['fileSize', 'bytesProcessed']);

/**
 * Maps a raw `SELECT *` / `RETURNING *` row of processing_jobs to the model's field names and types
 * (node-postgres returns int8 as a string; Prisma models it as bigint).
 */
export function jobRecordFromRow(row: Record<string, unknown>): JobRecord {
  const record: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const field = snakeToCamel(column);
    record[field] = BIGINT_FIELDS.has(field) && value !== null && typeof value !== 'bigint' ? BigInt(value as string) : value;
  }
  return record as JobRecord;
}
