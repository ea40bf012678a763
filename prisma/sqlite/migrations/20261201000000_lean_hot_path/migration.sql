-- A lean hot path (issue 14); the PostgreSQL migration of the same name says why its indexes became partial.
-- SQLite rewrites only the indexes whose columns (or predicate) an UPDATE changes, so it gains little from that;
-- and its planner uses a partial index only when the query repeats the predicate literally, which a bound
-- `status = ?` does not. So its indexes keep their columns, under the same names as PostgreSQL's, with the
-- predicate `status IS NOT NULL`: true of every row (status is NOT NULL), and implied by any `status = ?`.

-- The jobStats tallies come from job_counts (migration 20261129020000); per-user tallies use the user index.
DROP INDEX "processing_jobs_status_format_priority_idx";

DROP INDEX "processing_jobs_status_available_at_idx";
CREATE INDEX "processing_jobs_due_idx" ON "processing_jobs"("status", "available_at") WHERE "status" IS NOT NULL;

DROP INDEX "processing_jobs_status_lease_expires_at_idx";
CREATE INDEX "processing_jobs_lease_idx" ON "processing_jobs"("status", "lease_expires_at") WHERE "status" IS NOT NULL;

DROP INDEX "processing_jobs_status_completed_at_started_at_created_at_idx";
CREATE INDEX "processing_jobs_finished_idx" ON "processing_jobs"("status", "completed_at", "started_at", "created_at")
  WHERE "status" IS NOT NULL;

DROP INDEX "processing_jobs_status_error_code_idx";
CREATE INDEX "processing_jobs_failed_error_code_idx" ON "processing_jobs"("status", "error_code") WHERE "status" IS NOT NULL;

-- Only jobs that have a user or an idempotency key are looked up by them (as on PostgreSQL).
DROP INDEX "processing_jobs_user_id_created_at_idx";
CREATE INDEX "processing_jobs_user_id_created_at_idx" ON "processing_jobs"("user_id", "created_at") WHERE "user_id" IS NOT NULL;
DROP INDEX "processing_jobs_idempotency_key_key";
CREATE UNIQUE INDEX "processing_jobs_idempotency_key_key" ON "processing_jobs"("idempotency_key") WHERE "idempotency_key" IS NOT NULL;
