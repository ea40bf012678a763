import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { CLEANUP, RECOVER, STALLED } from '../documents';
import { when } from '../format';
import { ErrorMessage } from './error-message';

interface StalledJob {
  id: string;
  fileName: string;
  startedAt: string | null;
  updatedAt: string;
}

/** Admins only (the service answers FORBIDDEN to anyone else): stalled jobs, recovering them, and cleanup. */
export function AdminPanel() {
  const [{ data, error }, refetch] = useQuery<{ stalledJobs: StalledJob[] }>({ query: STALLED });
  const [recovered, recover] = useMutation<{ recoverStalledJobs: number }>(RECOVER);
  const [cleaned, cleanup] = useMutation<{ cleanupJobs: number }>(CLEANUP);
  const [hours, setHours] = useState('');
  return (
    <section class="panel wide" aria-labelledby="admin-title">
      <h2 id="admin-title">Administration</h2>
      <h3>Stalled jobs</h3>
      <ErrorMessage error={error ?? recovered.error ?? cleaned.error} />
      {data && data.stalledJobs.length === 0 && <p>No stalled jobs.</p>}
      {data && data.stalledJobs.length > 0 && (
        <ul aria-label="Stalled jobs">
          {data.stalledJobs.map((job) => (
            <li key={job.id}>
              {job.fileName} — started {when(job.startedAt)}, last renewed {when(job.updatedAt)}
            </li>
          ))}
        </ul>
      )}
      <div class="actions">
        <button type="button" onClick={() => void recover({}).then(() => refetch({ requestPolicy: 'network-only' }))}>
          Recover stalled jobs
        </button>
        {recovered.data && <span role="status">{recovered.data.recoverStalledJobs} jobs recovered.</span>}
      </div>
      <form
        class="actions"
        onSubmit={(event) => {
          event.preventDefault();
          void cleanup(hours === '' ? {} : { olderThanHours: Number(hours) });
        }}
      >
        <label>
          Older than (hours){' '}
          <input
            type="number"
            min={0}
            placeholder="retention"
            value={hours}
            onInput={(event) => setHours(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Clean up finished jobs</button>
        {cleaned.data && <span role="status">{cleaned.data.cleanupJobs} jobs deleted.</span>}
      </form>
    </section>
  );
}
