import { useQuery, useSubscription } from '@urql/preact';
import { HEALTH_CHANGED, OVERVIEW } from '../../documents';
import { useJobEvents, useThrottle } from '../../live';
import type { JobStats, QueueHealth } from '../../types';
import { ErrorMessage } from '../error-message';
import { ErrorsByCode } from './errors-by-code';
import { HealthPanel } from './health-panel';
import { OutcomeChart } from './outcome-chart';
import { PerformanceFigures } from './performance-figures';
import { StatusCounts } from './status-counts';

/**
 * Health, counts and figures, kept live: every job change re-reads them, at most once a second (jobStats costs
 * the database a grouped read; the service also shares concurrent ones). An admin's health also follows
 * queueHealthChanged, the periodic check; a user's is re-read with the statistics (that subscription is admins' only).
 */
export function Overview({ isAdmin }: { isAdmin: boolean }) {
  const [{ data, error }, refetch] = useQuery<{ queueHealth: QueueHealth; jobStats: JobStats }>({ query: OVERVIEW });
  const refresh = useThrottle(() => refetch({ requestPolicy: 'network-only' }), 1_000);
  useJobEvents(refresh);
  const [{ data: changed }] = useSubscription<{ queueHealthChanged: QueueHealth }>({
    query: HEALTH_CHANGED,
    pause: !isAdmin,
  });
  const health = newer(changed?.queueHealthChanged, data?.queueHealth);
  return (
    <>
      <ErrorMessage error={error} />
      {data && health ? (
        <div class="grid">
          <HealthPanel health={health} />
          <StatusCounts stats={data.jobStats} />
          <PerformanceFigures stats={data.jobStats} />
          <ErrorsByCode errors={data.jobStats.errors} />
          <OutcomeChart />
        </div>
      ) : (
        !error && <p aria-busy="true">Loading the overview…</p>
      )}
    </>
  );
}

function newer(a: QueueHealth | undefined, b: QueueHealth | undefined): QueueHealth | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(a.checkedAt) >= Date.parse(b.checkedAt) ? a : b;
}
