-- A job's file is checked once per file by the insert, not once per job by a foreign key (issue 14). The key's
-- check is a trigger per inserted row (a lookup of the file and a lock on it): 3-4 µs of PostgreSQL's ~16 µs a
-- job in the bulk enqueue, whose rate rose by a fifth without it (in-process, 20,000 jobs in calls of 1,000). The
-- insert (INSERT_JOBS in src/job-queue/database/postgres-queue-statements.ts) locks the files it names, and the
-- only delete of files (DELETE_UNUSED_FILES_SQL, behind LOCK_FILES_SQL) waits for that lock, so that no job is
-- left naming a deleted file: test/database/file-delete-race.spec.ts. SQLite keeps its key (one writer at a time).
ALTER TABLE "processing_jobs" DROP CONSTRAINT "processing_jobs_file_id_fkey";
