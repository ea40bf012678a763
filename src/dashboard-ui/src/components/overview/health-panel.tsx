import { duration, when } from '../../format';
import type { QueueHealth } from '../../types';

export function HealthPanel({ health }: { health: QueueHealth }) {
  return (
    <section class="panel" aria-labelledby="health-title">
      <h2 id="health-title">Queue health</h2>
      <p>
        <span class={`badge health-${health.status.toLowerCase()}`} aria-label={`Health: ${health.status}`}>
          {health.status}
        </span>{' '}
        <small>checked {when(health.checkedAt)}</small>
      </p>
      {health.issues.length > 0 ? (
        <ul aria-label="Health issues">
          {health.issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      ) : (
        <p>No issues.</p>
      )}
      <p>
        Stalled jobs: {health.stalledCount} · Oldest pending wait: {duration(health.oldestPendingAgeMs)}
      </p>
    </section>
  );
}
