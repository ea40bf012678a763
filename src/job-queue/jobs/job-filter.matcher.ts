import { ownerScope, type Caller } from '../common/caller';
import { priorityToRank } from '../common/job.enums';
import type { JobChangedEvent } from '../events/job-events';
import type { JobFilterInput } from './dto/job-filter.input';

/** Whether a status change concerns a job that `filter` selects and `caller` may see (same rules as `jobs`). */
export function changeMatches(change: JobChangedEvent, filter: JobFilterInput | undefined, caller: Caller): boolean {
  const scope = ownerScope(caller);
  if (scope !== undefined && change.userId !== scope) return false;
  if (!filter) return true;
  const createdAt = Date.parse(change.createdAt);
  return (
    (!filter.status?.length || filter.status.includes(change.status)) &&
    (!filter.format?.length || filter.format.some((format) => format.toLowerCase() === change.format)) &&
    (!filter.priority?.length || filter.priority.map(priorityToRank).includes(change.priority)) &&
    (filter.userId === undefined || filter.userId === change.userId) &&
    (!filter.createdAfter || createdAt >= filter.createdAfter.getTime()) &&
    (!filter.createdBefore || createdAt < filter.createdBefore.getTime())
  );
}
