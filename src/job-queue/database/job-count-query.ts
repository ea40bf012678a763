import type { JobQuery } from './job-records';
import { ownedBy } from './owner-condition';
import type { Prisma, SqlFragments } from './prisma.service';

/**
 * The statement that counts the jobs `query` matches, or null when none can (an empty list of statuses, formats or
 * priorities). Where it reads:
 * - over every owner and any creation time, a sum of the tallies kept exact with every change of a job's status
 *   (job_counts, by status, format and priority): at 1,000,000 jobs on PostgreSQL a COUNT(*) took 86-118 ms (a
 *   parallel index-only scan), the sum ~1 ms, and every listing asked it;
 * - by status and creation time, for every owner, the jobs' states alone (`jobStates`, which copies the record's
 *   format, priority and creation time): through processing_jobs, PostgreSQL joined 1,000,000 records to their
 *   states, 220-265 ms a count (0.6-1.4 s on a busier machine), against 7 ms for FAILED, 87 for COMPLETED and 167 for
 *   PENDING from the states (bench/RESULTS.md, "6 December, night");
 * - otherwise the jobs as a whole (processing_jobs): an owner's through the record's (user_id, created_at) index,
 *   and by creation time alone the record only, which PostgreSQL reads without its state (30 ms; the states alone,
 *   98).
 *
 * A plain COUNT(*), not Prisma's count: that wraps the query in a LIMIT/OFFSET subquery, which keeps SQLite from
 * counting the b-tree's pages directly and PostgreSQL from counting in parallel.
 */
export function jobCountQuery(query: JobQuery, fragments: SqlFragments, jobStates: string): Prisma.Sql | null {
  if ([query.statuses, query.formats, query.priorities].some((values) => values?.length === 0)) return null;
  const { sql, join, raw, empty } = fragments;
  const conditions: Prisma.Sql[] = [];
  if (query.statuses) conditions.push(sql`status IN (${join([...query.statuses])})`);
  if (query.formats) conditions.push(sql`format IN (${join([...query.formats])})`);
  if (query.priorities) conditions.push(sql`priority IN (${join([...query.priorities])})`);
  const owned = (query.owners?.length ?? 0) > 0;
  const tallied = !owned && !query.createdAfter && !query.createdBefore;
  for (const owner of query.owners ?? []) conditions.push(ownedBy(fragments, owner));
  if (query.createdAfter) conditions.push(sql`created_at >= ${query.createdAfter}`);
  if (query.createdBefore) conditions.push(sql`created_at < ${query.createdBefore}`);
  const where = conditions.length > 0 ? sql`WHERE ${join(conditions, ' AND ')}` : empty;
  if (tallied) return sql`SELECT SUM(count) AS count FROM job_counts ${where}`;
  const jobs = query.statuses && !owned ? jobStates : 'processing_jobs';
  return sql`SELECT COUNT(*) AS count FROM ${raw(jobs)} ${where}`;
}
