-- The queue's own status changes tally themselves (issue 14). A claim, a completion and a settlement each add their
-- moves to job_counts in the statement that makes them (src/job-queue/database/postgres-tallies.ts), on connections
-- that say so with the setting file_jobs.tallied_by_statement = on (the queue pool's, postgres-connection.ts). The
-- statement-level trigger they replace made PostgreSQL keep a copy of every updated row, old and new, for its
-- transition tables, though it read three columns of them: serial claims and completions of 250 over 20,000 jobs,
-- PostgreSQL's CPU a job 34.6 µs with it and 28.7 without it (the completion 16.8 against 12.4); an empty trigger
-- function over the same transition tables cost as much as the whole one.
--
-- Every other writer of a state (Prisma's transitions through processing_jobs, a host's own rows, an older
-- instance's queue statements during a rolling upgrade) is still tallied, by the row trigger below: it fires only for
-- a row whose key of the tallies changed, on a connection without that setting. Inserts, deletes and TRUNCATE keep
-- their statement triggers.

DROP TRIGGER "job_counts_after_update" ON "job_states";
DROP FUNCTION "job_counts_updated"();

-- The two keys are distinct (the trigger's condition), applied in order as every tally writer applies its keys.
CREATE FUNCTION "job_counts_row_updated"() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$
BEGIN
  INSERT INTO job_counts AS tally (shard, status, format, priority, count)
  SELECT pg_backend_pid() % 16, moved.status, moved.format, moved.priority, moved.delta
    FROM (VALUES (OLD.status, OLD.format, OLD.priority, -1), (NEW.status, NEW.format, NEW.priority, 1))
         AS moved(status, format, priority, delta)
   ORDER BY moved.status, moved.format, moved.priority
  ON CONFLICT (shard, status, format, priority) DO UPDATE SET count = tally.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE TRIGGER "job_counts_after_update" AFTER UPDATE ON "job_states" FOR EACH ROW
  WHEN ((OLD.status, OLD.format, OLD.priority) IS DISTINCT FROM (NEW.status, NEW.format, NEW.priority)
        AND current_setting('file_jobs.tallied_by_statement', true) IS DISTINCT FROM 'on')
  EXECUTE FUNCTION "job_counts_row_updated"();
