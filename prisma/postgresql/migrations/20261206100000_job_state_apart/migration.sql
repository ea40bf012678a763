-- A job's state in a row of its own, apart from its record (issue 14). The record (job_records: the file, options,
-- priority, owner, idempotency key, creation time) is written once, at enqueue. Everything a claim, a progress write,
-- a renewal, a completion or a settlement changes is in job_states, with every index on what those change (claim,
-- due, lease, listing by status, finished, failed by code) and the tallies' triggers. A claim and a completion then
-- write a new version of a 28-column row with three index entries each, instead of the 37-column record with
-- five: PostgreSQL's CPU a job, serial claims and completions of 100 (bench:designs, "split record"), 37 against 43
-- µs. The record's own indexes (creation order, file, owner, key) are never rewritten by a job's progress.
--
-- processing_jobs becomes a view of the two, so that every reader of a job (Prisma's model, the listing, one job,
-- the counts) reads them as one row, and writes to it (Prisma's transitions by hand, tests, a host's own rows) are
-- routed to the two tables by the INSTEAD OF triggers below. The queue's own statements write the tables directly
-- (src/job-queue/database/postgres-queue-statements.ts), and the statistics read job_states alone. The view joins
-- on the id only: joined on the creation time as well (which both rows hold), the planner took the two conditions
-- for independent and expected no row from the join, so the listing's LIMIT no longer drew it to the record's
-- (created_at, id) index (the first page of 200,000 jobs: a sort of all of them, 256 ms, against 0.1 ms). Every
-- record has its state (the insert writes both, a delete takes both), so the join is an outer one only so that a
-- query reading the record's columns alone does not join at all: inner, skipping to the 500,000th newest of
-- 1,000,000 jobs read every state on the way (588 ms against 55, and the statistics' index was out of the cache
-- afterwards). A condition on a state's column makes it an inner join again. SQLite keeps one table.

-- Writers wait until the new layout and its copy of the rows commit together.
LOCK TABLE "processing_jobs" IN ACCESS EXCLUSIVE MODE;

ALTER TABLE "processing_jobs" RENAME TO "job_records";
ALTER INDEX "processing_jobs_pkey" RENAME TO "job_records_pkey";
ALTER INDEX "processing_jobs_created_at_id_idx" RENAME TO "job_records_created_at_id_idx";
ALTER INDEX "processing_jobs_file_id_idx" RENAME TO "job_records_file_id_idx";
ALTER INDEX "processing_jobs_idempotency_key_key" RENAME TO "job_records_idempotency_key_key";
ALTER INDEX "processing_jobs_user_id_created_at_idx" RENAME TO "job_records_user_id_created_at_idx";

-- format, priority, created_at and user_id are copies of the record's, which never change: the tallies are keyed by
-- the first two, the statistics read all four without the record.
CREATE TABLE "job_states" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "stage" TEXT NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "bytes_processed" BIGINT,
    "format" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "user_id" TEXT,
    "available_at" TIMESTAMPTZ(3) NOT NULL,
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "last_retry_at" TIMESTAMPTZ(3),
    "next_retry_at" TIMESTAMPTZ(3),
    "next_attempt_manual" BOOLEAN NOT NULL DEFAULT false,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "cancel_requested_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "actual_duration" INTEGER,
    "error_code" TEXT,
    "error_message" TEXT,
    "error_recoverable" BOOLEAN NOT NULL DEFAULT true,
    "result" JSONB,
    "metadata" JSONB,
    "extracted_text" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "job_states_pkey" PRIMARY KEY ("id")
);

INSERT INTO "job_states" (id, status, stage, progress, bytes_processed, format, priority, created_at, user_id,
                          available_at, attempt_count, retry_count, last_retry_at, next_retry_at, next_attempt_manual,
                          lease_owner, lease_expires_at, cancel_requested_at, started_at, completed_at, actual_duration,
                          error_code, error_message, error_recoverable, result, metadata, extracted_text, updated_at)
SELECT id, status, stage, progress, bytes_processed, format, priority, created_at, user_id, available_at,
       attempt_count, retry_count, last_retry_at, next_retry_at, next_attempt_manual, lease_owner, lease_expires_at,
       cancel_requested_at, started_at, completed_at, actual_duration, error_code, error_message, error_recoverable,
       result, metadata, extracted_text, updated_at
  FROM "job_records";

-- The indexes on what a job's progress changes move with it (the names say the table now).
DROP INDEX "processing_jobs_claim_idx";
DROP INDEX "processing_jobs_due_idx";
DROP INDEX "processing_jobs_lease_idx";
DROP INDEX "processing_jobs_finished_idx";
DROP INDEX "processing_jobs_failed_error_code_idx";
DROP INDEX "processing_jobs_status_created_at_idx";
CREATE INDEX "job_states_claim_idx" ON "job_states"("priority" DESC, "created_at", "id")
  WHERE "status" IN ('PENDING', 'RETRYING');
CREATE INDEX "job_states_due_idx" ON "job_states"("available_at") WHERE "status" IN ('PENDING', 'RETRYING');
CREATE INDEX "job_states_lease_idx" ON "job_states"("lease_expires_at") WHERE "status" = 'PROCESSING';
CREATE INDEX "job_states_finished_idx" ON "job_states"("status", "completed_at", "started_at", "created_at")
  WHERE "status" IN ('COMPLETED', 'FAILED', 'CANCELLED');
CREATE INDEX "job_states_failed_error_code_idx" ON "job_states"("error_code") WHERE "status" = 'FAILED';
CREATE INDEX "job_states_status_created_at_idx" ON "job_states"("status", "created_at");

-- The tallies follow the state: the record's status no longer exists. job_counts holds the same counts already.
DROP TRIGGER "job_counts_after_insert" ON "job_records";
DROP TRIGGER "job_counts_after_update" ON "job_records";
DROP TRIGGER "job_counts_after_delete" ON "job_records";
DROP TRIGGER "job_counts_after_truncate" ON "job_records";
CREATE TRIGGER "job_counts_after_insert" AFTER INSERT ON "job_states"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_inserted"();
CREATE TRIGGER "job_counts_after_update" AFTER UPDATE ON "job_states"
  REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_updated"();
CREATE TRIGGER "job_counts_after_delete" AFTER DELETE ON "job_states"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_deleted"();
CREATE TRIGGER "job_counts_after_truncate" AFTER TRUNCATE ON "job_states"
  FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_truncated"();

ALTER TABLE "job_records"
  DROP COLUMN "status", DROP COLUMN "stage", DROP COLUMN "progress", DROP COLUMN "bytes_processed",
  DROP COLUMN "available_at", DROP COLUMN "attempt_count", DROP COLUMN "retry_count", DROP COLUMN "last_retry_at",
  DROP COLUMN "next_retry_at", DROP COLUMN "next_attempt_manual", DROP COLUMN "lease_owner",
  DROP COLUMN "lease_expires_at", DROP COLUMN "cancel_requested_at", DROP COLUMN "started_at",
  DROP COLUMN "completed_at", DROP COLUMN "actual_duration", DROP COLUMN "error_code", DROP COLUMN "error_message",
  DROP COLUMN "error_recoverable", DROP COLUMN "result", DROP COLUMN "metadata", DROP COLUMN "extracted_text",
  DROP COLUMN "updated_at";

CREATE VIEW "processing_jobs" AS
SELECT record.id, record.file_id, record.file_name, record.file_size, record.format, state.status, state.stage,
       state.progress, state.bytes_processed, record.priority, record.options, state.result, state.metadata,
       state.extracted_text, state.error_code, state.error_message, state.error_recoverable, state.attempt_count,
       state.retry_count, record.max_retries, state.last_retry_at, state.next_retry_at, record.run_at,
       state.available_at, record.idempotency_key, state.next_attempt_manual, state.lease_owner,
       state.lease_expires_at, record.estimated_duration, state.actual_duration, record.created_at, state.started_at,
       state.completed_at, state.updated_at, record.user_id, state.cancel_requested_at, record.trace_context
  FROM "job_records" AS record
  LEFT JOIN "job_states" AS state ON state.id = record.id;

-- An insert through the view gets the columns' defaults, as the table gave them.
ALTER VIEW "processing_jobs" ALTER COLUMN "status" SET DEFAULT 'PENDING';
ALTER VIEW "processing_jobs" ALTER COLUMN "stage" SET DEFAULT 'QUEUED';
ALTER VIEW "processing_jobs" ALTER COLUMN "progress" SET DEFAULT 0;
ALTER VIEW "processing_jobs" ALTER COLUMN "priority" SET DEFAULT 2;
ALTER VIEW "processing_jobs" ALTER COLUMN "error_recoverable" SET DEFAULT true;
ALTER VIEW "processing_jobs" ALTER COLUMN "attempt_count" SET DEFAULT 0;
ALTER VIEW "processing_jobs" ALTER COLUMN "retry_count" SET DEFAULT 0;
ALTER VIEW "processing_jobs" ALTER COLUMN "max_retries" SET DEFAULT 3;
ALTER VIEW "processing_jobs" ALTER COLUMN "next_attempt_manual" SET DEFAULT false;
ALTER VIEW "processing_jobs" ALTER COLUMN "created_at" SET DEFAULT CURRENT_TIMESTAMP;

CREATE FUNCTION "processing_jobs_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO job_records (id, file_id, file_name, file_size, format, priority, options, max_retries, run_at,
                           idempotency_key, estimated_duration, created_at, user_id, trace_context)
  VALUES (NEW.id, NEW.file_id, NEW.file_name, NEW.file_size, NEW.format, NEW.priority, NEW.options, NEW.max_retries,
          NEW.run_at, NEW.idempotency_key, NEW.estimated_duration, NEW.created_at, NEW.user_id, NEW.trace_context);
  INSERT INTO job_states (id, status, stage, progress, bytes_processed, format, priority, created_at, user_id,
                          available_at, attempt_count, retry_count, last_retry_at, next_retry_at, next_attempt_manual,
                          lease_owner, lease_expires_at, cancel_requested_at, started_at, completed_at, actual_duration,
                          error_code, error_message, error_recoverable, result, metadata, extracted_text, updated_at)
  VALUES (NEW.id, NEW.status, NEW.stage, NEW.progress, NEW.bytes_processed, NEW.format, NEW.priority, NEW.created_at,
          NEW.user_id, NEW.available_at, NEW.attempt_count, NEW.retry_count, NEW.last_retry_at, NEW.next_retry_at,
          NEW.next_attempt_manual, NEW.lease_owner, NEW.lease_expires_at, NEW.cancel_requested_at, NEW.started_at,
          NEW.completed_at, NEW.actual_duration, NEW.error_code, NEW.error_message, NEW.error_recoverable, NEW.result,
          NEW.metadata, NEW.extracted_text, NEW.updated_at);
  RETURN NEW;
END $$;

-- The record is written only when one of its own columns changes (a test's or a host's rewrite): a transition by
-- hand writes the state alone.
CREATE FUNCTION "processing_jobs_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE job_records
     SET (id, file_id, file_name, file_size, format, priority, options, max_retries, run_at, idempotency_key,
          estimated_duration, created_at, user_id, trace_context)
       = (NEW.id, NEW.file_id, NEW.file_name, NEW.file_size, NEW.format, NEW.priority, NEW.options, NEW.max_retries,
          NEW.run_at, NEW.idempotency_key, NEW.estimated_duration, NEW.created_at, NEW.user_id, NEW.trace_context)
   WHERE id = OLD.id
     AND (id, file_id, file_name, file_size, format, priority, options, max_retries, run_at, idempotency_key,
          estimated_duration, created_at, user_id, trace_context)
         IS DISTINCT FROM
         (NEW.id, NEW.file_id, NEW.file_name, NEW.file_size, NEW.format, NEW.priority, NEW.options, NEW.max_retries,
          NEW.run_at, NEW.idempotency_key, NEW.estimated_duration, NEW.created_at, NEW.user_id, NEW.trace_context);
  UPDATE job_states
     SET (id, status, stage, progress, bytes_processed, format, priority, created_at, user_id, available_at,
          attempt_count, retry_count, last_retry_at, next_retry_at, next_attempt_manual, lease_owner, lease_expires_at,
          cancel_requested_at, started_at, completed_at, actual_duration, error_code, error_message, error_recoverable,
          result, metadata, extracted_text, updated_at)
       = (NEW.id, NEW.status, NEW.stage, NEW.progress, NEW.bytes_processed, NEW.format, NEW.priority, NEW.created_at,
          NEW.user_id, NEW.available_at, NEW.attempt_count, NEW.retry_count, NEW.last_retry_at, NEW.next_retry_at,
          NEW.next_attempt_manual, NEW.lease_owner, NEW.lease_expires_at, NEW.cancel_requested_at, NEW.started_at,
          NEW.completed_at, NEW.actual_duration, NEW.error_code, NEW.error_message, NEW.error_recoverable, NEW.result,
          NEW.metadata, NEW.extracted_text, NEW.updated_at)
   WHERE id = OLD.id;
  RETURN NEW;
END $$;

-- The state goes first, then the record (whose attempts go by their foreign key's cascade).
CREATE FUNCTION "processing_jobs_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_states WHERE id = OLD.id;
  DELETE FROM job_records WHERE id = OLD.id;
  RETURN OLD;
END $$;

CREATE TRIGGER "processing_jobs_insert" INSTEAD OF INSERT ON "processing_jobs"
  FOR EACH ROW EXECUTE FUNCTION "processing_jobs_inserted"();
CREATE TRIGGER "processing_jobs_update" INSTEAD OF UPDATE ON "processing_jobs"
  FOR EACH ROW EXECUTE FUNCTION "processing_jobs_updated"();
CREATE TRIGGER "processing_jobs_delete" INSTEAD OF DELETE ON "processing_jobs"
  FOR EACH ROW EXECUTE FUNCTION "processing_jobs_deleted"();
