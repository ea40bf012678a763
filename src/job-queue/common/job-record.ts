import type { JobAttempt, ProcessingJob, StoredFile } from '.prisma/postgresql-client';

/**
 * The rows as the database layer returns them: Prisma's model types (the two providers' clients generate the same
 * models, which test/database/schema-parity.spec.ts holds them to). Mapping raw rows to these is the driver's work.
 */
export type JobRecord = ProcessingJob;
export type JobAttemptRecord = JobAttempt;
export type StoredFileRecord = StoredFile;
