import { dateProblem } from '../common/validation';
import type { ListPosition } from '../database/job-records';
import { JobsErrorCode, JobsException } from './jobs.exception';

/** Opaque keyset cursor over (createdAt DESC, id DESC): the list is newest first and stable under inserts. */
export type JobCursor = ListPosition;

export function encodeJobCursor(cursor: JobCursor): string {
  return Buffer.from(`${cursor.createdAt.getTime()}:${cursor.id}`, 'utf8').toString('base64url');
}

/** Decodes the `after` argument; a cursor no page could have produced (a time out of range included) is refused. */
export function decodeJobCursor(value: string): JobCursor {
  const decoded = Buffer.from(value, 'base64url').toString('utf8');
  const match = /^(\d{1,15}):([A-Za-z0-9_-]{1,64})$/.exec(decoded);
  const cursor = match ? { createdAt: new Date(Number(match[1])), id: match[2] } : null;
  if (!cursor || encodeJobCursor(cursor) !== value || dateProblem(cursor.createdAt, 'after') !== null) {
    const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
    throw new JobsException(
      JobsErrorCode.INVALID_CURSOR,
      `Malformed cursor ${shown} in after: pass an endCursor from a previous page`,
    );
  }
  return cursor;
}
