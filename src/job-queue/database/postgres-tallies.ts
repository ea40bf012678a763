/**
 * The jobs' tallies by status, format and priority (job_counts, which jobStats and the counts read), kept by the
 * queue's own statements for the moves they make. A claim, a completion or a settlement adds its moves in a CTE of
 * its own, applied as one upsert to the shard of its connection's backend, keys in order as every tally writer
 * applies them (two statements on one shard cannot deadlock). The queue's connections say so
 * (TALLIED_BY_STATEMENT), and the row trigger that tallies every other writer of a state leaves their rows alone
 * (migration 20261207100000_tallies_by_the_queue, which says what the statement trigger before it cost). So any
 * statement run on those connections that changes a job's status (or format, or priority) must add its moves with
 * tallyMoves, or the tallies go wrong: test/database/job-counts*.spec.ts check them against the rows.
 */

/** The queue connections' setting that makes the row trigger leave their statements' moves to them. */
export const TALLIED_BY_STATEMENT = '-c file_jobs.tallied_by_statement=on';

/**
 * The moves of the jobs in `rows` (a CTE with the columns format and priority) from the status `from` to the status
 * `to`: SQL expressions over its columns or constants. A job that stays in its status moves nothing.
 */
export const movesOf = (rows: string, from: string, to: string) => `
    SELECT ${from}, format, priority, -1 FROM ${rows}
     UNION ALL
    SELECT ${to}, format, priority, 1 FROM ${rows}`;

/** The upsert of `moves` (rows of status, format, priority and ±1: movesOf) into this connection's shard. */
export const tallyMoves = (moves: string) => `
  INSERT INTO job_counts AS tally (shard, status, format, priority, count)
  SELECT pg_backend_pid() % 16, moved.status, moved.format, moved.priority, SUM(moved.delta)
    FROM (${moves}) AS moved(status, format, priority, delta)
   GROUP BY moved.status, moved.format, moved.priority
  HAVING SUM(moved.delta) <> 0
   ORDER BY moved.status, moved.format, moved.priority
  ON CONFLICT (shard, status, format, priority) DO UPDATE SET count = tally.count + EXCLUDED.count`;
