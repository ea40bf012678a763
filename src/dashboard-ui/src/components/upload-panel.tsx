import { useContext, useState } from 'preact/hooks';
import { JobEventsContext } from '../live';
import { followLink, href } from '../router';
import { PRIORITIES } from '../types';
import { uploadFile } from '../upload-file';

interface Upload {
  key: number;
  name: string;
  fraction: number;
  jobId?: string;
  error?: string;
}

let nextKey = 0;

/** Files dropped here or chosen are uploaded at once, each with its own progress bar and then a link to its job. */
export function UploadPanel({ token }: { token: string | null }) {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [priority, setPriority] = useState('NORMAL');
  const [dragging, setDragging] = useState(false);
  const events = useContext(JobEventsContext);
  const update = (key: number, change: Partial<Upload>) =>
    setUploads((all) => all.map((upload) => (upload.key === key ? { ...upload, ...change } : upload)));

  const start = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = nextKey++;
      setUploads((all) => [{ key, name: file.name, fraction: 0 }, ...all]);
      void uploadFile(file, priority, token, (fraction) => update(key, { fraction })).then((result) => {
        update(key, { ...result, fraction: result.jobId ? 1 : 0 });
        // The service announces the new job too, but this page need not wait for it (nor miss it while it connects).
        if (result.jobId) events.emit({ id: result.jobId });
      });
    }
  };
  return (
    <section class="panel" aria-labelledby="upload-title">
      <h2 id="upload-title">Upload files</h2>
      <div
        class={`drop-zone${dragging ? ' dragging' : ''}`}
        role="group"
        aria-label="Drop files here"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          start(event.dataTransfer?.files ?? null);
        }}
      >
        <p>Drop files here, or</p>
        <label>
          Choose files <input type="file" multiple onChange={(event) => start(event.currentTarget.files)} />
        </label>
        <label>
          Priority{' '}
          <select value={priority} onChange={(event) => setPriority(event.currentTarget.value)}>
            {PRIORITIES.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
        </label>
      </div>
      <ul class="uploads" aria-label="Uploads">
        {uploads.map((upload) => (
          <li key={upload.key}>
            {upload.name} <progress aria-label={`Upload of ${upload.name}`} max={1} value={upload.fraction} />{' '}
            {upload.error ? (
              <span role="alert" class="error">
                {upload.error}
              </span>
            ) : upload.jobId ? (
              <a href={href(`/jobs/${upload.jobId}`)} onClick={(event) => followLink(event, `/jobs/${upload.jobId}`)}>
                Open job of {upload.name}
              </a>
            ) : (
              `${Math.round(upload.fraction * 100)} %`
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
