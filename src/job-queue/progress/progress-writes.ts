import type { SavedProgress } from '../database/queue-store';
import type { ProgressSnapshot } from '../processor-contract/progress-reporter';

/** At most this often per job does progress reach the database; the outcome writes the end state. */
export const PROGRESS_WRITE_INTERVAL_MS = 500;
/**
 * Jobs due within this much after the earliest are written with it: jobs that started together stay in one
 * statement instead of drifting into one each.
 */
const COALESCE_MS = PROGRESS_WRITE_INTERVAL_MS / 5;

/** Saves the progress of running jobs that one worker holds, in one statement; never rejects. */
export type SaveProgress = (workerId: string, progress: SavedProgress[]) => Promise<void>;

/**
 * One running job's place among the writes: `pendingAt` is its index in the pending list while it has progress
 * not yet written (-1 otherwise), `dueAt` the earliest time its next write may go out.
 */
export class ProgressEntry {
  pendingAt = -1;
  stopped = false;

  constructor(
    readonly jobId: string,
    readonly workerId: string,
    readonly progress: { snapshot(): ProgressSnapshot },
    public dueAt: number,
  ) {}
}

/**
 * Every running job's progress writes on this instance, through one timer and one statement per worker a round.
 * A timer and a save per job (a throttle each) made 2 statements a second per running job, 512 a second for a
 * pool of 256 long jobs, and cost a job that ended within the interval a timer set and cleared (~0.4-1 µs).
 *
 * An entry is in `pending` from its first unsaved report until a round writes it or the job stops (its outcome's
 * own write carries the final state, so a job shorter than the interval writes no progress at all). Removal swaps
 * the last entry into the gap, so nothing is kept past its job and no Map or Set grows and shrinks per job (their
 * replaced tables are what kept finished jobs alive: bench/RESULTS.md, "Peak RSS since ead9040"). One round runs
 * at a time, so a job's writes never overlap; the next round is timed when the last one's statements are done.
 */
export class ProgressWrites {
  private readonly pending: ProgressEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing = false;

  constructor(private readonly save: SaveProgress) {}

  /** Starts an attempt's entry: its first write waits a full interval from now. */
  entry(jobId: string, workerId: string, progress: { snapshot(): ProgressSnapshot }): ProgressEntry {
    return new ProgressEntry(jobId, workerId, progress, Date.now() + PROGRESS_WRITE_INTERVAL_MS);
  }

  /** The job has progress to write: it goes out with the first round at or after its due time. */
  reported(entry: ProgressEntry): void {
    if (entry.pendingAt !== -1 || entry.stopped) return;
    entry.pendingAt = this.pending.length;
    this.pending.push(entry);
    // A round already timed is due no later than this entry (dueAt only grows, and entries join in time order).
    if (!this.timer && !this.writing) this.timeRound();
  }

  /** No more writes for this job (its outcome is being written, or the attempt ended). */
  stop(entry: ProgressEntry): void {
    entry.stopped = true;
    this.unlist(entry);
    if (this.pending.length === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private unlist(entry: ProgressEntry): void {
    const index = entry.pendingAt;
    if (index === -1) return;
    const last = this.pending.pop()!;
    if (last !== entry) {
      this.pending[index] = last;
      last.pendingAt = index;
    }
    entry.pendingAt = -1;
  }

  private timeRound(): void {
    let earliest = Infinity;
    for (const entry of this.pending) earliest = Math.min(earliest, entry.dueAt);
    if (earliest === Infinity) return;
    this.timer = setTimeout(() => void this.round(), Math.max(0, earliest - Date.now()));
    this.timer.unref(); // a pending write is no reason to keep the process alive: the outcome writes the end state
  }

  private async round(): Promise<void> {
    this.timer = null;
    this.writing = true;
    try {
      const now = Date.now();
      const byWorker = new Map<string, SavedProgress[]>();
      for (const entry of this.pending.filter((pending) => pending.dueAt <= now + COALESCE_MS)) {
        this.unlist(entry);
        entry.dueAt = now + PROGRESS_WRITE_INTERVAL_MS;
        const { stage, progress, bytesProcessed } = entry.progress.snapshot();
        const saves = byWorker.get(entry.workerId) ?? [];
        saves.push({ jobId: entry.jobId, stage, progress, bytesProcessed });
        byWorker.set(entry.workerId, saves);
      }
      await Promise.all([...byWorker].map(([workerId, saves]) => this.save(workerId, saves)));
    } finally {
      this.writing = false;
      if (this.pending.length > 0) this.timeRound();
    }
  }
}
