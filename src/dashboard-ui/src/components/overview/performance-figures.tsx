import { duration, percent } from '../../format';
import type { JobStats } from '../../types';

export function PerformanceFigures({ stats }: { stats: JobStats }) {
  const figures: [string, string][] = [
    ['Success rate', percent(stats.successRate)],
    ['System success rate', percent(stats.systemSuccessRate)],
    ['Average processing time (24 h)', duration(stats.averageProcessingTimeMs)],
    ['Average queue time (24 h)', duration(stats.averageQueueTimeMs)],
    ['Completed in the last hour', String(stats.throughput.lastHour)],
    ['Completed in 24 hours', String(stats.throughput.last24Hours)],
    ['Completed in 7 days', String(stats.throughput.last7Days)],
  ];
  return (
    <section class="panel" aria-labelledby="performance-title">
      <h2 id="performance-title">Performance</h2>
      <dl class="figures">
        {figures.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd aria-label={label}>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
