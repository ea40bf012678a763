-- Jobs by (status, format, priority), kept exact by the database itself so that jobStats reads a few hundred tally
-- rows instead of counting a million index entries. Triggers cover every writer (queue statements, Prisma updates,
-- cleanup deletes, rows inserted directly). Each statement's rows are aggregated once (statement-level triggers over
-- transition tables) and applied as one upsert, to the shard of the connection's backend: two instances' claims and
-- completions rarely wait on the same tally row. Keys are applied in order, so concurrent statements cannot deadlock.
-- A tally is the sum of its shards; rows that reach 0 stay (a job of that kind is likely to come back).
-- The functions run with jit off: the queue's own connections forbid sorts (prisma.service.ts), which prices the
-- ORDER BY so high that JIT would compile each few-row upsert, for 300-500 ms a statement.

-- Writers wait until the triggers and the backfill commit together.
LOCK TABLE "processing_jobs" IN SHARE ROW EXCLUSIVE MODE;

-- CreateTable
CREATE TABLE "job_counts" (
    "shard" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "count" BIGINT NOT NULL,

    CONSTRAINT "job_counts_pkey" PRIMARY KEY ("shard","status","format","priority")
);

CREATE FUNCTION "job_counts_inserted"() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO job_counts AS tally (shard, status, format, priority, count)
  SELECT pg_backend_pid() % 16, status, format, priority, COUNT(*) FROM inserted
   GROUP BY status, format, priority ORDER BY status, format, priority
  ON CONFLICT (shard, status, format, priority) DO UPDATE SET count = tally.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE FUNCTION "job_counts_deleted"() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO job_counts AS tally (shard, status, format, priority, count)
  SELECT pg_backend_pid() % 16, status, format, priority, -COUNT(*) FROM deleted
   GROUP BY status, format, priority ORDER BY status, format, priority
  ON CONFLICT (shard, status, format, priority) DO UPDATE SET count = tally.count + EXCLUDED.count;
  RETURN NULL;
END $$;

-- A job whose status, format and priority did not change adds -1 and +1 to the same tally, which cancel: progress
-- writes and lease renewals upsert nothing. No join of the old and new rows, so no plan of it to go wrong.
CREATE FUNCTION "job_counts_updated"() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO job_counts AS tally (shard, status, format, priority, count)
  SELECT pg_backend_pid() % 16, status, format, priority, SUM(delta)
    FROM (SELECT status, format, priority, -1 AS delta FROM before_update
          UNION ALL
          SELECT status, format, priority, 1 AS delta FROM after_update) AS moved
   GROUP BY status, format, priority
  HAVING SUM(delta) <> 0
   ORDER BY status, format, priority
  ON CONFLICT (shard, status, format, priority) DO UPDATE SET count = tally.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE FUNCTION "job_counts_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM job_counts;
  RETURN NULL;
END $$;

CREATE TRIGGER "job_counts_after_insert" AFTER INSERT ON "processing_jobs"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_inserted"();
CREATE TRIGGER "job_counts_after_update" AFTER UPDATE ON "processing_jobs"
  REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_updated"();
CREATE TRIGGER "job_counts_after_delete" AFTER DELETE ON "processing_jobs"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_deleted"();
CREATE TRIGGER "job_counts_after_truncate" AFTER TRUNCATE ON "processing_jobs"
  FOR EACH STATEMENT EXECUTE FUNCTION "job_counts_truncated"();

-- Backfill from the rows present, written by no one meanwhile: the lock (also what CREATE TRIGGER takes) keeps
-- writers out until the migration's transaction commits.
INSERT INTO "job_counts" (shard, status, format, priority, count)
SELECT 0, status, format, priority, COUNT(*) FROM "processing_jobs" GROUP BY status, format, priority;
