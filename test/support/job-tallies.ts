import { Injectable } from '@nestjs/common';
import {
  FileProcessor,
  NonRecoverableError,
  RecoverableError,
  type FileProcessorHandler,
  type ProcessingContext,
} from '../../src/job-queue';
import { asError } from '../../src/job-queue/common/as-error';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';

/** The job_counts specs' helpers: a processor scripted by its job's options, and the tallies read against the jobs. */

export const HOUR = 3_600_000;
export const UNFINISHED = ['PENDING', 'PROCESSING', 'RETRYING'];

export type Behaviour = 'ok' | 'fatal' | 'flaky' | 'hang';

/** Behaves as the job's options.behaviour says. */
@Injectable()
@FileProcessor('tally')
export class ScriptedProcessor implements FileProcessorHandler {
  static calls = new Map<string, number>();

  async process({ job, signal }: ProcessingContext) {
    const call = (ScriptedProcessor.calls.get(job.id) ?? 0) + 1;
    ScriptedProcessor.calls.set(job.id, call);
    switch ((job.options as { behaviour: Behaviour }).behaviour) {
      case 'fatal':
        throw new NonRecoverableError('MALFORMED_FILE', 'never parses');
      case 'flaky':
        if (call === 1) throw new RecoverableError('IO_ERROR', 'disk hiccup');
        return { result: { call } };
      case 'hang':
        return new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(asError(signal.reason)), { once: true }),
        );
      default:
        return { result: { call } };
    }
  }
}

export type Tally = Record<string, number>;
const key = (row: { status: string; format: string; priority: unknown }) =>
  `${row.status}/${row.format}/${Number(row.priority)}`;

/** The kept tallies (job_counts, shards summed, zeros dropped) and a GROUP BY of the jobs themselves, each in one snapshot. */
export async function tallies(db: DatabaseClient): Promise<{ kept: Tally; counted: Tally }> {
  const kept = await db.$queryRawUnsafe<{ status: string; format: string; priority: unknown; count: unknown }[]>(
    `SELECT status, format, priority, SUM(count) AS count FROM job_counts GROUP BY status, format, priority HAVING SUM(count) <> 0`,
  );
  const counted = await db.$queryRawUnsafe<{ status: string; format: string; priority: unknown; count: unknown }[]>(
    `SELECT status, format, priority, COUNT(*) AS count FROM processing_jobs GROUP BY status, format, priority`,
  );
  const byKey = (rows: typeof kept) => Object.fromEntries(rows.map((row) => [key(row), Number(row.count)]).sort());
  return { kept: byKey(kept), counted: byKey(counted) };
}

export async function expectTalliesExact(db: DatabaseClient): Promise<Tally> {
  const { kept, counted } = await tallies(db);
  expect(kept).toEqual(counted);
  return kept;
}
