import { createContext } from 'preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import type { JobSummary } from './types';

/**
 * A job that changed: the whole row from jobUpdated, or only its id when this page itself made the change; null when
 * any job may have changed unseen (the subscription's socket (re)connected: events of the time before were lost).
 */
export type JobChange = (Pick<JobSummary, 'id'> & Partial<JobSummary>) | null;
type Listener = (job: JobChange) => void;

/** Fans the one jobUpdated subscription of the app out to every panel that wants to know. */
export class JobEvents {
  private readonly listeners = new Set<Listener>();

  emit(job: JobChange): void {
    for (const listener of this.listeners) listener(job);
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const JobEventsContext = createContext(new JobEvents());

/** Calls `onJob` for every job change the service reports (the latest `onJob`, without re-subscribing). */
export function useJobEvents(onJob: Listener): void {
  const events = useContext(JobEventsContext);
  const latest = useRef(onJob);
  latest.current = onJob;
  useEffect(() => events.listen((job) => latest.current(job)), [events]);
}

/**
 * Runs `work` at most once per `intervalMs`: at once when idle, else once at the end of the interval, however many
 * calls came meanwhile. A burst of 500 job ends re-reads the statistics twice, not 500 times.
 */
export function useThrottle(work: () => void, intervalMs: number): () => void {
  const latest = useRef(work);
  latest.current = work;
  const state = useRef<{ last: number; timer?: ReturnType<typeof setTimeout> }>({ last: 0 });
  useEffect(() => () => clearTimeout(state.current.timer), []);
  return () => {
    const now = Date.now();
    const wait = state.current.last + intervalMs - now;
    if (wait <= 0) {
      state.current.last = now;
      latest.current();
    } else if (!state.current.timer) {
      state.current.timer = setTimeout(() => {
        state.current.timer = undefined;
        state.current.last = Date.now();
        latest.current();
      }, wait);
    }
  };
}
