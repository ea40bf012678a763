import type { JobStats } from '../../types';

/** One figure per status, each labelled so that a test (or a screen reader) finds "COMPLETED" and its count. */
export function StatusCounts({ stats }: { stats: JobStats }) {
  return (
    <section class="panel" aria-labelledby="counts-title">
      <h2 id="counts-title">Jobs by status</h2>
      <dl class="figures" aria-label="Jobs by status">
        <div>
          <dt>Total</dt>
          <dd aria-label="Total jobs">{stats.total}</dd>
        </div>
        {stats.byStatus.map(({ status, count }) => (
          <div key={status} class={`status-${status.toLowerCase()}`}>
            <dt>{status}</dt>
            <dd aria-label={`${status} jobs`}>{count}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
