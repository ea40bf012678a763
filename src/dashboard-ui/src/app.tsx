import { Provider, useSubscription } from '@urql/preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { useAccess, type Access } from './access';
import { createDashboardClient } from './client';
import { AdminPanel } from './components/admin-panel';
import { ErrorMessage } from './components/error-message';
import { JobPage } from './components/job/job-page';
import { JobsTable } from './components/jobs/jobs-table';
import { Overview } from './components/overview/overview';
import { SignIn } from './components/sign-in';
import { UploadPanel } from './components/upload-panel';
import { JOB_UPDATED } from './documents';
import { JobEvents, JobEventsContext } from './live';
import { followLink, href, usePath } from './router';
import { storedToken, storeToken } from './session';
import type { JobSummary } from './types';

export function App() {
  const [token, setToken] = useState(storedToken);
  // A (re)connected socket may have missed job changes: every live panel reads again (JobChange null).
  const { session, events } = useMemo(() => {
    const jobEvents = new JobEvents();
    return { session: createDashboardClient(token, () => jobEvents.emit(null)), events: jobEvents };
  }, [token]);
  useEffect(() => () => session.dispose(), [session]);
  const access = useAccess(session.client);
  const signInWith = (next: string | null) => {
    storeToken(next);
    setToken(next);
  };
  return (
    <Provider value={session.client}>
      <JobEventsContext.Provider value={events}>
        <header class="top">
          <h1>
            <a href={href('/')} onClick={(event) => followLink(event, '/')}>
              File jobs
            </a>
          </h1>
          <span role="status">{accessLabel(access, token)}</span>
          {token && (
            <button type="button" onClick={() => signInWith(null)}>
              Sign out
            </button>
          )}
        </header>
        <main>
          <Content access={access} token={token} onToken={signInWith} />
        </main>
      </JobEventsContext.Provider>
    </Provider>
  );
}

function Content({ access, token, onToken }: { access: Access; token: string | null; onToken: (t: string) => void }) {
  const path = usePath();
  switch (access.kind) {
    case 'checking':
      return <p aria-busy="true">Connecting…</p>;
    case 'failed':
      return <ErrorMessage text={access.message} />;
    case 'sign-in':
      return <SignIn refused={token !== null} onToken={onToken} />;
  }
  const jobId = /^\/jobs\/([^/]+)$/.exec(path)?.[1];
  return (
    <>
      <JobFeed />
      {jobId ? (
        <JobPage id={decodeURIComponent(jobId)} />
      ) : (
        <>
          <Overview isAdmin={access.kind === 'admin'} />
          <div class="grid">
            <UploadPanel token={token} />
            <JobsTable />
            {access.kind === 'admin' && <AdminPanel />}
          </div>
        </>
      )}
    </>
  );
}

/** The app's one jobUpdated subscription (the service scopes it to the caller's jobs), fanned out by JobEvents. */
function JobFeed() {
  const events = useContext(JobEventsContext);
  useSubscription<{ jobUpdated: JobSummary }>({ query: JOB_UPDATED }, (_previous, data) => {
    events.emit(data.jobUpdated);
    return data;
  });
  return null;
}

function accessLabel(access: Access, token: string | null): string {
  if (access.kind === 'admin') return token ? 'Signed in as an administrator' : 'No sign-in required';
  if (access.kind === 'user') return 'Signed in: your own jobs';
  return '';
}
