-- The two indexes that serve a single status become partial on it, as on PostgreSQL (20261201000000_lean_hot_path),
-- so that a claim and a completion no longer rewrite them. SQLite's planner does take a partial index for a query
-- that compares the column with a bound parameter (`status = ?`, bound to the predicate's value), but not for an
-- IN list: the due, finished and claim indexes keep status as a leading column (the comment of
-- 20261201000000_lean_hot_path says "a bound `status = ?` does not"; that holds for IN-list predicates only).
DROP INDEX "processing_jobs_lease_idx";
CREATE INDEX "processing_jobs_lease_idx" ON "processing_jobs"("lease_expires_at") WHERE "status" = 'PROCESSING';

DROP INDEX "processing_jobs_failed_error_code_idx";
CREATE INDEX "processing_jobs_failed_error_code_idx" ON "processing_jobs"("error_code") WHERE "status" = 'FAILED';
