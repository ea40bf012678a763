import { bytes } from '../../format';

export interface ProgressView {
  status: string;
  stage: string;
  progress: number;
  bytesProcessed: number | null;
  totalBytes: number | null;
}

/** The job's percentage as a progressbar role (aria-valuenow), with its stage and bytes in words beside it. */
export function ProgressBar({ view }: { view: ProgressView }) {
  return (
    <div class="progress">
      <div
        class={`progress-track status-${view.status.toLowerCase()}`}
        role="progressbar"
        aria-label="Job progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={view.progress}
        aria-valuetext={`${view.progress} %, ${view.stage}`}
      >
        <div class="progress-fill" style={{ width: `${view.progress}%` }} />
      </div>
      <p>
        <strong>{view.progress} %</strong> · stage {view.stage} · {bytes(view.bytesProcessed ?? 0)} of{' '}
        {bytes(view.totalBytes)}
      </p>
    </div>
  );
}
