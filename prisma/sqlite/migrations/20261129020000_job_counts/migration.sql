-- Jobs by (status, format, priority), kept exact by the database itself so that jobStats reads a few hundred tally
-- rows instead of counting a million index entries. Triggers cover every writer (queue statements, Prisma updates,
-- cleanup deletes, rows inserted directly). SQLite has one writer at a time, so a single shard (0) serves; the shard
-- column keeps the table the same as on PostgreSQL. Rows that reach 0 stay (a job of that kind is likely to return).

-- CreateTable
CREATE TABLE "job_counts" (
    "shard" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "priority" INTEGER NOT NULL,
    "count" BIGINT NOT NULL,

    PRIMARY KEY ("shard", "status", "format", "priority")
);

CREATE TRIGGER "job_counts_after_insert" AFTER INSERT ON "processing_jobs" BEGIN
  INSERT INTO "job_counts" ("shard", "status", "format", "priority", "count")
  VALUES (0, NEW."status", NEW."format", NEW."priority", 1)
  ON CONFLICT ("shard", "status", "format", "priority") DO UPDATE SET "count" = "count" + 1;
END;

CREATE TRIGGER "job_counts_after_delete" AFTER DELETE ON "processing_jobs" BEGIN
  INSERT INTO "job_counts" ("shard", "status", "format", "priority", "count")
  VALUES (0, OLD."status", OLD."format", OLD."priority", -1)
  ON CONFLICT ("shard", "status", "format", "priority") DO UPDATE SET "count" = "count" - 1;
END;

-- Progress writes and lease renewals set none of these columns: the trigger does not fire for them at all.
CREATE TRIGGER "job_counts_after_update" AFTER UPDATE OF "status", "format", "priority" ON "processing_jobs"
WHEN OLD."status" IS NOT NEW."status" OR OLD."format" IS NOT NEW."format" OR OLD."priority" IS NOT NEW."priority" BEGIN
  INSERT INTO "job_counts" ("shard", "status", "format", "priority", "count")
  VALUES (0, OLD."status", OLD."format", OLD."priority", -1)
  ON CONFLICT ("shard", "status", "format", "priority") DO UPDATE SET "count" = "count" - 1;
  INSERT INTO "job_counts" ("shard", "status", "format", "priority", "count")
  VALUES (0, NEW."status", NEW."format", NEW."priority", 1)
  ON CONFLICT ("shard", "status", "format", "priority") DO UPDATE SET "count" = "count" + 1;
END;

-- Backfill (the migration runs in one write transaction: no write falls between the count and the triggers).
INSERT INTO "job_counts" ("shard", "status", "format", "priority", "count")
SELECT 0, "status", "format", "priority", COUNT(*) FROM "processing_jobs" GROUP BY "status", "format", "priority";
