import type { Logger } from '@nestjs/common';
import { asError } from '../common/as-error';
import { isDatabaseUnavailable } from '../common/database-unavailable';
import { commitRetryDelayMs, type Lease } from './lease';

/** Outcomes committed by one statement at most; more wait for the next round. */
const MAX_BATCH = 500;

/** What every batched outcome carries: whose job, and how long its worker still holds it. */
export interface BatchedOutcome {
  jobId: string;
  workerId: string;
  lease: Lease;
}

/** How one kind of outcome is committed and reported. */
export interface OutcomeCommit<I extends BatchedOutcome, R> {
  /** What one outcome is called in log lines. */
  noun: string;
  /** Commits one worker's outcomes in one statement: the result of each job committed, by id (absent: not held). */
  commit(workerId: string, items: I[]): Promise<Map<string, R>>;
  /** Reports a committed batch, before its callers hear of it. */
  committed?(items: I[], results: Map<string, R>): void;
}

interface Pending<I, R> {
  item: I;
  /** Commits tried so far that failed because the database could not be reached. */
  tries: number;
  settle: (result: R | null) => void;
  fail: (error: Error) => void;
}

/**
 * Collects the outcomes of one turn of the event loop and commits them together (one statement per worker id), so
 * that short jobs cost a fraction of a round trip each. An outcome is reported (resolved, published) only after its
 * statement committed. While the database cannot be reached, a batch is tried again with backoff (100 ms, doubling,
 * at most 5 s) for as long as its jobs' leases hold: giving up at the first error threw finished work away (a
 * PostgreSQL restart cost 9-11 jobs a run, each waiting out its 5-minute lease to run again). A batch that fails for
 * any other reason is tried job by job, so that one bad outcome does not fail the others.
 */
export class OutcomeBatcher<I extends BatchedOutcome, R> {
  private pending: Pending<I, R>[] = [];

  constructor(
    private readonly target: OutcomeCommit<I, R>,
    private readonly logger: Logger,
  ) {}

  /** Resolves with the job's result once committed; null when its worker no longer held it. */
  submit(item: I): Promise<R | null> {
    return new Promise((settle, fail) => this.enqueue([{ item, tries: 0, settle, fail }]));
  }

  private enqueue(entries: Pending<I, R>[]): void {
    const wasEmpty = this.pending.length === 0;
    this.pending.push(...entries);
    if (wasEmpty) setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (this.pending.length > 0) setImmediate(() => void this.flush());
    const byWorker = new Map<string, Pending<I, R>[]>();
    for (const entry of batch) {
      const entries = byWorker.get(entry.item.workerId);
      if (entries) entries.push(entry);
      else byWorker.set(entry.item.workerId, [entry]);
    }
    await Promise.all([...byWorker].map(([workerId, entries]) => this.commit(workerId, entries)));
  }

  private async commit(workerId: string, entries: Pending<I, R>[]): Promise<void> {
    const items = entries.map((entry) => entry.item);
    let results: Map<string, R>;
    try {
      results = await this.target.commit(workerId, items);
    } catch (error) {
      if (isDatabaseUnavailable(error)) this.retryLater(entries, error as Error);
      else if (entries.length > 1) await Promise.all(entries.map((entry) => this.commit(workerId, [entry])));
      else this.giveUp(entries, error as Error);
      return;
    }
    try {
      this.target.committed?.(items, results);
    } catch (error) {
      // Committed all the same: its callers must hear so, or their workers' slots are never given back.
      this.logger.error(`reporting ${items.length} committed ${this.target.noun}(s) failed: ${asError(error).message}`);
    }
    for (const entry of entries) entry.settle(results.get(entry.item.jobId) ?? null);
  }

  /** Commits the batch again after a pause, without the jobs whose leases run out before then. */
  private retryLater(entries: Pending<I, R>[], error: Error): void {
    const delayMs = commitRetryDelayMs(Math.max(...entries.map((entry) => entry.tries)));
    const holding = entries.filter((entry) => entry.item.lease.holdsAfter(delayMs));
    this.giveUp(
      entries.filter((entry) => !holding.includes(entry)),
      error,
    );
    if (holding.length === 0) return;
    this.logger.warn(
      `database unavailable, committing ${holding.length} ${this.target.noun}(s) again in ${delayMs} ms: ${error.message}`,
    );
    for (const entry of holding) entry.tries++;
    setTimeout(() => this.enqueue(holding), delayMs).unref();
  }

  private giveUp(entries: Pending<I, R>[], error: Error): void {
    if (entries.length === 0) return;
    this.logger.warn(`could not commit ${entries.length} ${this.target.noun}(s): ${error.message}`);
    for (const entry of entries) entry.fail(error);
  }
}
