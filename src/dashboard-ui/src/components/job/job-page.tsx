import { useQuery, useSubscription } from '@urql/preact';
import { JOB, JOB_PROGRESS } from '../../documents';
import { useJobEvents, useThrottle } from '../../live';
import { followLink, href } from '../../router';
import type { JobDetail, ProgressUpdate } from '../../types';
import { ErrorMessage } from '../error-message';
import { Attempts } from './attempts';
import { JobActions } from './job-actions';
import { JobFields, JsonBlock } from './job-fields';
import { ProgressBar } from './progress-bar';

/** How much extracted text the page shows: the service keeps up to 1 MiB, a page need not render it all. */
const PREVIEW_CHARS = 4_000;

/** One job: its fields, progress followed live (jobProgress), attempts, text preview, metadata and actions. */
export function JobPage({ id }: { id: string }) {
  const [{ data, error }, refetch] = useQuery<{ job: JobDetail | null }>({ query: JOB, variables: { id } });
  const reread = useThrottle(() => refetch({ requestPolicy: 'network-only' }), 300);
  useJobEvents((job) => (job === null || job.id === id) && reread());
  const [{ data: live }, follow] = useSubscription<{ jobProgress: ProgressUpdate }>({
    query: JOB_PROGRESS,
    variables: { jobId: id },
  });
  const job = data?.job;
  // The subscription ends with the job; after a retry the re-read job is newer than its last update.
  const update =
    live && job && Date.parse(live.jobProgress.at) >= Date.parse(job.updatedAt) ? live.jobProgress : undefined;
  const afterAction = () => {
    reread();
    follow();
  };
  const text = job?.extractedText ?? null;
  return (
    <article aria-labelledby="job-title">
      <p>
        <a href={href('/')} onClick={(event) => followLink(event, '/')}>
          ← Overview
        </a>
      </p>
      <ErrorMessage error={error} />
      {data && !job && !error && <ErrorMessage text="That job does not exist, or is not yours." />}
      {job && (
        <>
          <h2 id="job-title">{job.fileName}</h2>
          <p>
            Status:{' '}
            <span class={`badge status-${job.status.toLowerCase()}`} aria-label="Job status">
              {job.status}
            </span>
          </p>
          <ProgressBar
            view={{
              status: update?.status ?? job.status,
              stage: update?.stage ?? job.stage,
              progress: update?.progress ?? job.progress,
              bytesProcessed: update?.bytesProcessed ?? job.bytesProcessed,
              totalBytes: update?.totalBytes ?? job.fileSize,
            }}
          />
          <JobActions job={job} onDone={afterAction} />
          <section class="panel" aria-labelledby="fields-title">
            <h3 id="fields-title">Fields</h3>
            <JobFields job={job} />
          </section>
          <section class="panel" aria-labelledby="attempts-title">
            <h3 id="attempts-title">Attempts</h3>
            <Attempts attempts={job.attempts} />
          </section>
          <section class="panel" aria-labelledby="text-title">
            <h3 id="text-title">Extracted text</h3>
            {text === null ? (
              <p>None yet.</p>
            ) : (
              <pre aria-label="Extracted text preview">
                {text.slice(0, PREVIEW_CHARS)}
                {text.length > PREVIEW_CHARS ? `\n… ${text.length - PREVIEW_CHARS} more characters` : ''}
              </pre>
            )}
          </section>
          <JsonBlock label="Metadata" value={job.metadata} />
          <JsonBlock label="Result" value={job.result} />
          <JsonBlock label="Options" value={job.options} />
        </>
      )}
    </article>
  );
}
