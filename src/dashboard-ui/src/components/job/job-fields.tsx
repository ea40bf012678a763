import { bytes, duration, when } from '../../format';
import type { JobDetail } from '../../types';

/** Every scalar field of the job, by name, in the order a reader looks for them. */
export function JobFields({ job }: { job: JobDetail }) {
  const fields: [string, string][] = [
    ['id', job.id],
    ['fileName', job.fileName],
    ['fileId', job.fileId],
    ['fileSize', bytes(job.fileSize)],
    ['format', job.format],
    ['status', job.status],
    ['stage', job.stage],
    ['progress', `${job.progress} %`],
    ['bytesProcessed', bytes(job.bytesProcessed)],
    ['priority', job.priority],
    ['userId', job.userId ?? '—'],
    ['createdAt', when(job.createdAt)],
    ['updatedAt', when(job.updatedAt)],
    ['runAt', when(job.runAt)],
    ['startedAt', when(job.startedAt)],
    ['completedAt', when(job.completedAt)],
    ['retryCount', `${job.retryCount} of ${job.maxRetries}`],
    ['lastRetryAt', when(job.lastRetryAt)],
    ['nextRetryAt', when(job.nextRetryAt)],
    ['estimatedDuration', duration(job.estimatedDuration)],
    ['actualDuration', duration(job.actualDuration)],
    ['errorCode', job.errorCode ?? '—'],
    ['errorMessage', job.errorMessage ?? '—'],
    ['errorRecoverable', job.errorCode ? String(job.errorRecoverable) : '—'],
  ];
  return (
    <dl class="fields" aria-label="Job fields">
      {fields.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** JSON values (options, result, metadata) as indented text. */
export function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <section class="panel" aria-label={label}>
      <h3>{label}</h3>
      {value === null || value === undefined ? <p>—</p> : <pre>{JSON.stringify(value, null, 2)}</pre>}
    </section>
  );
}
