import { Injectable } from '@nestjs/common';
import { JobStatus } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';

/** Completions an estimate averages over, newest first: read backwards along the (status, completed_at, ...) index. */
const SAMPLE_SIZE = 1_000;
/** The averages are read again at most this often, however many enqueue calls come in. */
const REFRESH_MS = 1_000;

/** Milliseconds a job of the format is expected to run, or null when none of its recent jobs completed. */
export type DurationEstimate = (format: string) => number | null;

/**
 * A new job's `estimatedDuration`: the average `actualDuration` (start to completion of the attempt that
 * completed) of the jobs of its format among the last 1,000 completed jobs, rounded to the millisecond. The
 * averages are cached for a second: one small indexed read a second at most, not one per enqueue.
 */
@Injectable()
export class DurationEstimates {
  private cached: { readAt: number; byFormat: Map<string, number> } | null = null;
  private reading: Promise<Map<string, number>> | null = null;

  constructor(private readonly prisma: PrismaService) {}

  async current(): Promise<DurationEstimate> {
    const byFormat =
      this.cached && Date.now() - this.cached.readAt < REFRESH_MS ? this.cached.byFormat : await this.read();
    return (format) => byFormat.get(format) ?? null;
  }

  /** One read at a time: concurrent enqueues share it. */
  private read(): Promise<Map<string, number>> {
    this.reading ??= this.averages().finally(() => (this.reading = null));
    return this.reading;
  }

  private async averages(): Promise<Map<string, number>> {
    const readAt = Date.now();
    const recent = await this.prisma.client.processingJob.findMany({
      where: { status: JobStatus.COMPLETED, completedAt: { not: null }, actualDuration: { not: null } },
      orderBy: { completedAt: 'desc' },
      take: SAMPLE_SIZE,
      select: { format: true, actualDuration: true },
    });
    const sums = new Map<string, { total: number; count: number }>();
    for (const { format, actualDuration } of recent) {
      const sum = sums.get(format) ?? { total: 0, count: 0 };
      sums.set(format, { total: sum.total + actualDuration!, count: sum.count + 1 });
    }
    const byFormat = new Map([...sums].map(([format, { total, count }]) => [format, Math.round(total / count)]));
    this.cached = { readAt, byFormat };
    return byFormat;
  }
}
