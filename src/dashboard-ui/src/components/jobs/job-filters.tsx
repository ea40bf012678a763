import { PRIORITIES, STATUSES, type JobPriority, type JobStatus } from '../../types';

export interface Filters {
  status?: JobStatus;
  format?: string;
  priority?: JobPriority;
}

/** The JobFilter the service takes: each chosen field as a one-element list. */
export function toJobFilter(filters: Filters): Record<string, string[]> {
  const filter: Record<string, string[]> = {};
  if (filters.status) filter.status = [filters.status];
  if (filters.format) filter.format = [filters.format.trim().toLowerCase()];
  if (filters.priority) filter.priority = [filters.priority];
  return filter;
}

export function JobFilters({ filters, onChange }: { filters: Filters; onChange: (filters: Filters) => void }) {
  return (
    <form class="filters" role="search" aria-label="Filter jobs" onSubmit={(event) => event.preventDefault()}>
      <label>
        Status{' '}
        <select
          value={filters.status ?? ''}
          onChange={(event) => onChange({ ...filters, status: (event.currentTarget.value || undefined) as JobStatus })}
        >
          <option value="">Any</option>
          {STATUSES.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
      </label>
      <label>
        Format{' '}
        <input
          type="text"
          placeholder="pdf, txt, …"
          size={8}
          value={filters.format ?? ''}
          onInput={(event) => onChange({ ...filters, format: event.currentTarget.value || undefined })}
        />
      </label>
      <label>
        Priority{' '}
        <select
          value={filters.priority ?? ''}
          onChange={(event) =>
            onChange({ ...filters, priority: (event.currentTarget.value || undefined) as JobPriority })
          }
        >
          <option value="">Any</option>
          {PRIORITIES.map((priority) => (
            <option key={priority}>{priority}</option>
          ))}
        </select>
      </label>
    </form>
  );
}
