import { useMutation } from '@urql/preact';
import { useContext } from 'preact/hooks';
import { CANCEL, ENQUEUE_AGAIN, RETRY } from '../../documents';
import { JobEventsContext } from '../../live';
import { navigate } from '../../router';
import { ENDED, type JobDetail } from '../../types';
import { ErrorMessage } from '../error-message';

/** Cancel while it may still run, retry once it failed or was cancelled, and enqueue its file again at any time. */
export function JobActions({ job, onDone }: { job: JobDetail; onDone: () => void }) {
  const [cancel, runCancel] = useMutation(CANCEL);
  const [retry, runRetry] = useMutation(RETRY);
  const [enqueue, runEnqueue] = useMutation<{ enqueueJob: { id: string } }>(ENQUEUE_AGAIN);
  const events = useContext(JobEventsContext);
  const busy = cancel.fetching || retry.fetching || enqueue.fetching;
  return (
    <div class="actions">
      {!ENDED.includes(job.status) && (
        <button type="button" disabled={busy} onClick={() => void runCancel({ id: job.id }).then(onDone)}>
          Cancel job
        </button>
      )}
      {(job.status === 'FAILED' || job.status === 'CANCELLED') && (
        <button type="button" disabled={busy} onClick={() => void runRetry({ id: job.id }).then(onDone)}>
          Retry job
        </button>
      )}
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void runEnqueue({ fileId: job.fileId, priority: job.priority }).then(({ data }) => {
            if (!data) return;
            events.emit({ id: data.enqueueJob.id });
            navigate(`/jobs/${data.enqueueJob.id}`);
          })
        }
      >
        Enqueue again
      </button>
      <ErrorMessage error={cancel.error ?? retry.error ?? enqueue.error} />
    </div>
  );
}
