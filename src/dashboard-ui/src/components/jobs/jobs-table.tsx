import { createRequest } from '@urql/core';
import { useQuery } from '@urql/preact';
import { useMemo, useState } from 'preact/hooks';
import { JOBS } from '../../documents';
import { when } from '../../format';
import { useJobEvents, useThrottle } from '../../live';
import { followLink, href } from '../../router';
import type { JobSummary } from '../../types';
import { ErrorMessage } from '../error-message';
import { JobFilters, toJobFilter, type Filters } from './job-filters';

interface JobsPage {
  jobs: {
    totalCount: number;
    edges: { cursor: string; node: JobSummary }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/**
 * Jobs, newest first, 20 a page by cursor. `after` is kept per page so that Previous goes back without the
 * service having to page backwards. New and changed jobs show within half a second: a job change re-reads the page.
 */
export function JobsTable() {
  const [filters, setFilters] = useState<Filters>({});
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors[cursors.length - 1];
  const variables = useMemo(() => ({ filter: toJobFilter(filters), after }), [filters, after]);
  const [{ data, error, operation }, refetch] = useQuery<JobsPage>({ query: JOBS, variables });
  // urql keeps the last page's rows on screen until the next page or filter is read: until then the table says it
  // is busy and Next stays off, or it would page on from the old page's cursor (CI read page 1's rows as page 2's).
  const showsAsked = operation?.key === createRequest(JOBS, variables).key;
  const refresh = useThrottle(() => refetch({ requestPolicy: 'network-only' }), 500);
  useJobEvents(refresh);

  const page = data?.jobs;
  const changeFilters = (next: Filters) => {
    setFilters(next);
    setCursors([null]);
  };
  return (
    <section class="panel wide" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <JobFilters filters={filters} onChange={changeFilters} />
      <ErrorMessage error={error} />
      <table aria-labelledby="jobs-title" aria-busy={!showsAsked}>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Status</th>
            <th scope="col">Progress</th>
            <th scope="col">Format</th>
            <th scope="col">Priority</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {page?.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>
                <a href={href(`/jobs/${node.id}`)} onClick={(event) => followLink(event, `/jobs/${node.id}`)}>
                  {node.fileName}
                </a>
              </td>
              <td>
                <span class={`badge status-${node.status.toLowerCase()}`}>{node.status}</span>
              </td>
              <td>{node.progress} %</td>
              <td>{node.format}</td>
              <td>{node.priority}</td>
              <td>{when(node.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages of jobs">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <span aria-live="polite">
          Page {cursors.length}
          {page ? ` · ${page.totalCount} jobs` : ''}
        </span>
        <button
          type="button"
          disabled={!showsAsked || !page?.pageInfo.hasNextPage}
          onClick={() => page?.pageInfo.endCursor && setCursors([...cursors, page.pageInfo.endCursor])}
        >
          Next page
        </button>
      </nav>
    </section>
  );
}
