import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './page.css';
import { GraphiQL } from 'graphiql';
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { signedInFetcher } from './fetcher';

/** The dashboard's sign-in (src/dashboard-ui/src/session.ts): a token kept for this tab's session. */
const token = sessionStorage.getItem('file-jobs-token');

const DEFAULT_QUERY = `# GraphiQL, served by this service: works offline.
# Subscriptions run over graphql-ws at /graphql.
# Signed in? Headers: {"Authorization": "Bearer …"}

query Overview {
  queueHealth {
    status
    issues
  }
  jobStats {
    successRate
    byStatus {
      status
      count
    }
  }
}

subscription Health {
  queueHealthChanged {
    status
    issues
    checkedAt
  }
}
`;

const graphiql = createElement(GraphiQL, {
  fetcher: signedInFetcher(),
  defaultQuery: DEFAULT_QUERY,
  defaultHeaders: token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined,
  defaultEditorToolsVisibility: token ? 'headers' : undefined,
});
createRoot(document.getElementById('graphiql')!).render(createElement(StrictMode, {}, graphiql));
