import { Inject, Injectable } from '@nestjs/common';
import type { QueueDriver } from '../database/queue-driver';
import { QUEUE_DRIVER } from '../job-queue.constants';

/** Completions an estimate averages over, newest first. */
const SAMPLE_SIZE = 1_000;
/** The averages are read again at most this often, however many enqueue calls come in. */
const REFRESH_MS = 1_000;

/**
 * A new job's `estimatedDuration`: the average `actualDuration` (start to completion of the attempt that
 * completed) of the jobs of its format among the last 1,000 completed jobs, rounded to the millisecond. The
 * averages are read again at most once a second, not once per enqueue, and behind the enqueues: only the first
 * one waits for a read.
 */
@Injectable()
export class DurationEstimates {
  private cached: { readAt: number; byFormat: Map<string, number> } | null = null;
  private reading: Promise<Map<string, number>> | null = null;

  constructor(@Inject(QUEUE_DRIVER) private readonly driver: QueueDriver) {}

  /**
   * Milliseconds a job of each format is expected to run; a format none of whose recent jobs completed is left out.
   * Averages a second old are still returned, and a read for the next calls starts: the enqueue that waited for it
   * (~1 ms, once a second) was among the slowest 5 % of the latency bench's single enqueues.
   */
  async current(): Promise<ReadonlyMap<string, number>> {
    const cached = this.cached;
    if (!cached) return this.read();
    // A failed read keeps the averages it would have replaced; the next call starts another.
    if (Date.now() - cached.readAt >= REFRESH_MS) this.read().catch(() => undefined);
    return cached.byFormat;
  }

  /** One read at a time: concurrent enqueues share it. */
  private read(): Promise<Map<string, number>> {
    this.reading ??= this.averages().finally(() => (this.reading = null));
    return this.reading;
  }

  private async averages(): Promise<Map<string, number>> {
    const readAt = Date.now();
    const byFormat = await this.driver.records.recentDurationAverages(SAMPLE_SIZE);
    this.cached = { readAt, byFormat };
    return byFormat;
  }
}
