-- The jobs listing's index, (created_at, id) ascending: the listing reads it backwards for its newest-first order,
-- as it read the descending one forwards. New jobs have the newest created_at, so they were inserted at the far
-- left of a descending index, where a B-tree splits its pages in half: with 20,000 jobs enqueued in batches of
-- 1,000 it was 261 pages on PostgreSQL against 145 ascending (4,057 against 2,290 pages for 200,000 rows on
-- SQLite, whose inserts ran 14 % faster ascending), and its WAL 752 against 708 bytes a job. Appended at the right
-- end instead, its pages fill.
DROP INDEX "processing_jobs_created_at_id_idx";
CREATE INDEX "processing_jobs_created_at_id_idx" ON "processing_jobs"("created_at", "id");
