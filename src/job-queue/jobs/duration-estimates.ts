import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** Completions an estimate averages over, newest first: read backwards along the (status, completed_at, ...) index. */
const SAMPLE_SIZE = 1_000;
/** The averages are read again at most this often, however many enqueue calls come in. */
const REFRESH_MS = 1_000;

/** The same SQL on both providers: dates are comparable on each (timestamps, or epoch milliseconds on SQLite). */
const AVERAGES_SQL = `
SELECT format, CAST(ROUND(AVG(actual_duration)) AS INTEGER) AS average
  FROM (SELECT format, actual_duration FROM processing_jobs
         WHERE status = 'COMPLETED' AND completed_at IS NOT NULL AND actual_duration IS NOT NULL
         ORDER BY completed_at DESC LIMIT ${SAMPLE_SIZE}) AS recent
 GROUP BY format`;

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

  constructor(private readonly prisma: PrismaService) {}

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
    // One aggregate in the database rather than 1,000 rows into the process.
    const rows = await this.prisma.client.$queryRawUnsafe<{ format: string; average: number | bigint }[]>(AVERAGES_SQL);
    const byFormat = new Map(rows.map(({ format, average }) => [format, Number(average)]));
    this.cached = { readAt, byFormat };
    return byFormat;
  }
}
