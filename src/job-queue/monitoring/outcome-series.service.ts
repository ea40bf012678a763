import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { ownerScope, type Caller } from '../common/caller';
import { JobStatus } from '../common/job.enums';
import type { QueueDriver } from '../database/queue-driver';
import { QUEUE_DRIVER } from '../job-queue.constants';
import { OUTCOME_SERIES_LIMITS, type OutcomeSeriesArgs } from './dto/outcome-series.args';
import type { OutcomeBucket } from './models/outcome-bucket.model';

const MINUTE_MS = 60_000;

/**
 * Completions and failures per period up to now, zeros included, oldest first: the dashboard's chart. Now is the
 * database's, the clock the jobs' completion times are stamped by.
 */
@Injectable()
export class OutcomeSeriesService {
  constructor(@Inject(QUEUE_DRIVER) private readonly driver: QueueDriver) {}

  async series(caller: Caller, { hours, bucketMinutes }: OutcomeSeriesArgs, now?: Date): Promise<OutcomeBucket[]> {
    const periods = Math.ceil((hours * 60) / bucketMinutes);
    if (periods > OUTCOME_SERIES_LIMITS.maxBuckets) {
      throw new BadRequestException(
        `hours / bucketMinutes gives ${periods} periods; at most ${OUTCOME_SERIES_LIMITS.maxBuckets} (use longer periods)`,
      );
    }
    now ??= await this.driver.databaseTime();
    const bucketMs = bucketMinutes * MINUTE_MS;
    const since = new Date(now.getTime() - periods * bucketMs);
    const buckets: OutcomeBucket[] = Array.from({ length: periods }, (_, index) => ({
      start: new Date(since.getTime() + index * bucketMs),
      completed: 0,
      failed: 0,
    }));
    for (const row of await this.driver.statistics.outcomesSince(since, bucketMs, ownerScope(caller))) {
      // A job that ended after `now` (while the query ran) belongs to no period of this series.
      const bucket = buckets[row.bucket];
      if (!bucket) continue;
      if (row.status === String(JobStatus.COMPLETED)) bucket.completed += row.count;
      else bucket.failed += row.count;
    }
    return buckets;
  }
}
