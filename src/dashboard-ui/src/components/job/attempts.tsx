import { when } from '../../format';
import type { JobAttempt } from '../../types';

export function Attempts({ attempts }: { attempts: JobAttempt[] }) {
  if (attempts.length === 0) return <p>No attempt yet.</p>;
  return (
    <table aria-label="Attempts">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Outcome</th>
          <th scope="col">Started</th>
          <th scope="col">Finished</th>
          <th scope="col">Worker</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((attempt) => (
          <tr key={attempt.number}>
            <td>
              {attempt.number}
              {attempt.manual ? ' (manual retry)' : ''}
            </td>
            <td>{attempt.outcome ?? 'running'}</td>
            <td>{when(attempt.startedAt)}</td>
            <td>{when(attempt.finishedAt)}</td>
            <td>{attempt.workerId ?? '—'}</td>
            <td>{attempt.errorCode ? `${attempt.errorCode}: ${attempt.errorMessage ?? ''}` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
