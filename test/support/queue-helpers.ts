import { Readable } from 'node:stream';
import { type INestApplication, Injectable, type Type } from '@nestjs/common';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  JobPriority,
  type JobStatus,
  JobsService,
  type FileProcessorHandler,
  type JobRecord,
  type ProcessingContext,
  type ProcessingOutput,
} from '../../src/job-queue';
import type { JobAttemptRecord } from '../../src/job-queue/common/job-record';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';
import { attemptHistory } from '../../src/job-queue/database/attempt-on-job';
import { simulateWork } from './signals';

/** What a recording processor saw, shared by every app instance of the test process that registers it. */
export interface ProcessorLog {
  /** Job ids in the order their calls started (a job appears once per call). */
  starts: string[];
  /** Calls per job id. */
  calls: Map<string, number>;
  /** Date.now() when the job's latest call started. */
  startedAt: Map<string, number>;
  /** Job ids whose call ran to its end and returned. */
  finished: Set<string>;
  /** Why a job's signal was aborted (the reason's `kind` for the queue's own aborts, else its message). */
  aborts: Map<string, string>;
}

export interface RecordingOptions {
  /** How long each call takes, or a function choosing it per call. Default 0 (returns at once). */
  durationMs?: number | (() => number);
  /** Keep going when the signal aborts (until durationMs is over) instead of rejecting with its reason. */
  ignoreAbort?: boolean;
}

export interface RecordingProcessor {
  /** Register it with startTestApp(db, { providers: [processor] }) or in a module's providers. */
  processor: Type<FileProcessorHandler>;
  log: ProcessorLog;
}

/** A fresh @FileProcessor(format) provider class that records every call in its log. */
export function recordingProcessor(format: string, options: RecordingOptions = {}): RecordingProcessor {
  const log: ProcessorLog = {
    starts: [],
    calls: new Map(),
    startedAt: new Map(),
    finished: new Set(),
    aborts: new Map(),
  };
  const duration = options.durationMs ?? 0;
  const durationOf = typeof duration === 'function' ? duration : () => duration;

  @Injectable()
  @FileProcessor(format)
  class Recording implements FileProcessorHandler {
    async process({ job, signal }: ProcessingContext): Promise<ProcessingOutput> {
      log.starts.push(job.id);
      log.startedAt.set(job.id, Date.now());
      log.calls.set(job.id, (log.calls.get(job.id) ?? 0) + 1);
      if (signal.aborted) log.aborts.set(job.id, abortKind(signal.reason));
      else signal.addEventListener('abort', () => log.aborts.set(job.id, abortKind(signal.reason)), { once: true });
      const durationMs = durationOf();
      if (durationMs > 0) await simulateWork(durationMs, options.ignoreAbort ? undefined : signal);
      log.finished.add(job.id);
      return { result: { processedBy: format } };
    }
  }
  return { processor: Recording, log };
}

export interface HeldProcessor {
  /** Register it with startTestApp(db, { providers: [processor] }) or in a module's providers. */
  processor: Type<FileProcessorHandler>;
  /** Ids of the jobs whose call has started. */
  started: Set<string>;
  /** Lets every held call (running or still to come) return. */
  release(): void;
}

/**
 * A fresh @FileProcessor(format) provider whose calls run until the test releases them: a shutdown has something
 * to drain, a pool's slots stay taken. It does not stop when its signal aborts.
 */
export function heldProcessor(format = 'held'): HeldProcessor {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const started = new Set<string>();

  @Injectable()
  @FileProcessor(format)
  class Held implements FileProcessorHandler {
    async process({ job }: ProcessingContext): Promise<ProcessingOutput> {
      started.add(job.id);
      await released;
      return { result: { held: true } };
    }
  }
  return { processor: Held, started, release: () => release() };
}

/** The kind of an attempt's abort (JobAbort.kind), or the reason's message when it is not one. */
export function abortKind(reason: unknown): string {
  const kind = (reason as { kind?: unknown } | undefined)?.kind;
  return typeof kind === 'string' ? kind : String((reason as Error | undefined)?.message ?? reason);
}

/** Stores a small file as the anonymous admin; its extension is the format of its jobs. Returns its id. */
export async function storeFile(app: INestApplication, name: string, content = 'payload'): Promise<string> {
  const file = await app.get(FileStorageService).store(Readable.from([content]), name, ANONYMOUS_ADMIN);
  return file.id;
}

/** Enqueues `count` jobs of one file in enqueueMany batches of at most `batchSize`. Returns the jobs in order. */
export async function enqueueJobs(
  app: INestApplication,
  fileId: string,
  count: number,
  priority: JobPriority = JobPriority.NORMAL,
  batchSize = 1000,
): Promise<JobRecord[]> {
  if (batchSize > 1000) throw new Error('enqueueJobs: batches are limited to 1000 jobs');
  const jobs = app.get(JobsService);
  const enqueued: JobRecord[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const inputs = Array.from({ length: Math.min(batchSize, count - start) }, () => ({ fileId, priority }));
    enqueued.push(...(await jobs.enqueueMany(inputs, ANONYMOUS_ADMIN)));
  }
  return enqueued;
}

/** Jobs per status, with every status present (0 when none). */
export async function countByStatus(db: DatabaseClient): Promise<Record<string, number>> {
  const groups = await db.processingJob.groupBy({ by: ['status'], _count: { _all: true } });
  const counts: Record<string, number> = {
    PENDING: 0,
    PROCESSING: 0,
    RETRYING: 0,
    COMPLETED: 0,
    FAILED: 0,
    CANCELLED: 0,
  };
  for (const group of groups) counts[group.status] = group._count._all;
  return counts;
}

/** Every one of the `jobs` in the table COMPLETED, each with exactly one attempt counted on the job. */
export async function expectAllCompletedOnce(db: DatabaseClient, jobs: number): Promise<void> {
  expect(await countByStatus(db)).toEqual({
    PENDING: 0,
    PROCESSING: 0,
    RETRYING: 0,
    COMPLETED: jobs,
    FAILED: 0,
    CANCELLED: 0,
  });
  expect(await db.processingJob.count({ where: { attemptCount: { not: 1 } } })).toBe(0);
}

/**
 * The attempts of the jobs (every job when none are named) as the product reports them: the rows, and the running or
 * completed attempt that lives on its job and has no row (src/job-queue/database/attempt-on-job.ts).
 */
export async function attemptsOf(db: DatabaseClient, jobIds?: string[]): Promise<JobAttemptRecord[]> {
  const jobs = await db.processingJob.findMany({
    where: jobIds ? { id: { in: jobIds } } : {},
    include: { attempts: { orderBy: { number: 'asc' } } },
  });
  return jobs.flatMap((job) => attemptHistory(job, job.attempts));
}

/** How many of `items` have each value of `key`, as [value, count] pairs sorted by value. */
export function countsBy<T, K extends string | number | null>(items: T[], key: (item: T) => K): [K, number][] {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => String(a).localeCompare(String(b)));
}

/** The job's status and its attempts in order (number, outcome, workerId, finished or not). */
export async function jobState(db: DatabaseClient, jobId: string) {
  // One read, so that the status and the attempts are of the same moment while the job moves.
  const job = await db.processingJob.findUniqueOrThrow({
    where: { id: jobId },
    include: { attempts: { orderBy: { number: 'asc' } } },
  });
  return {
    status: job.status as JobStatus,
    attemptCount: job.attemptCount,
    leaseOwner: job.leaseOwner,
    attempts: attemptHistory(job, job.attempts).map((attempt) => ({
      number: attempt.number,
      outcome: attempt.outcome,
      finished: attempt.finishedAt !== null,
      workerId: attempt.workerId,
    })),
  };
}
