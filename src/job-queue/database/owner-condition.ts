import type { Prisma, SqlFragments } from './prisma.service';

/**
 * The SQL condition on a job's owner, as the queries over processing_jobs write it: a user id, null for the jobs with
 * no owner (IS NULL, which `= NULL` would never match), undefined for every job.
 */
export function ownedBy({ sql }: SqlFragments, owner: string | null | undefined): Prisma.Sql {
  if (owner === undefined) return sql`1 = 1`;
  return owner === null ? sql`user_id IS NULL` : sql`user_id = ${owner}`;
}
