import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseClient } from '../../src/job-queue/database/prisma.service';

/** Rows written straight into the database, for tests that need jobs in exact states and at exact times. */
export interface JobFixture {
  format?: string;
  priority?: 1 | 2 | 3;
  status: string;
  createdAgoMs?: number;
  startedAgoMs?: number;
  completedAgoMs?: number;
  availableInMs?: number;
  runAtInMs?: number;
  leaseExpiresInMs?: number;
  errorCode?: string;
  retryCount?: number;
  maxRetries?: number;
  attempts?: { errorCode: string | null; finishedAgoMs: number }[];
  fileId?: string;
}

let sequence = 0;

export async function insertFile(db: DatabaseClient, storageDir?: string, name = 'fixture.txt'): Promise<string> {
  const id = `file_fixture_${++sequence}_${Math.random().toString(36).slice(2, 8)}`;
  const storagePath = `${id}.txt`;
  if (storageDir) {
    mkdirSync(storageDir, { recursive: true });
    writeFileSync(path.join(storageDir, storagePath), 'fixture');
  }
  await db.storedFile.create({
    data: { id, originalName: name, size: 7n, format: 'txt', checksum: 'x', storagePath, createdAt: new Date() },
  });
  return id;
}

export async function insertJob(db: DatabaseClient, fixture: JobFixture, now = Date.now()): Promise<string> {
  const id = `job_fixture_${++sequence}_${Math.random().toString(36).slice(2, 8)}`;
  const at = (agoMs?: number) => (agoMs === undefined ? null : new Date(now - agoMs));
  const fileId = fixture.fileId ?? (await insertFile(db));
  const createdAt = at(fixture.createdAgoMs ?? 60_000)!;
  await db.processingJob.create({
    data: {
      id,
      fileId,
      fileName: 'fixture',
      fileSize: 7n,
      format: fixture.format ?? 'txt',
      status: fixture.status,
      priority: fixture.priority ?? 2,
      createdAt,
      updatedAt: createdAt,
      startedAt: at(fixture.startedAgoMs),
      completedAt: at(fixture.completedAgoMs),
      actualDuration:
        fixture.startedAgoMs !== undefined && fixture.completedAgoMs !== undefined
          ? fixture.startedAgoMs - fixture.completedAgoMs
          : null,
      availableAt: new Date(now + (fixture.availableInMs ?? -(fixture.createdAgoMs ?? 60_000))),
      runAt: fixture.runAtInMs === undefined ? null : new Date(now + fixture.runAtInMs),
      leaseOwner: fixture.leaseExpiresInMs === undefined ? null : 'fixture-worker',
      leaseExpiresAt: fixture.leaseExpiresInMs === undefined ? null : new Date(now + fixture.leaseExpiresInMs),
      errorCode: fixture.errorCode ?? null,
      retryCount: fixture.retryCount ?? 0,
      maxRetries: fixture.maxRetries ?? 3,
      attemptCount: fixture.attempts?.length ?? (fixture.startedAgoMs === undefined ? 0 : 1),
    },
  });
  const attempts = fixture.attempts ?? [];
  for (const [index, attempt] of attempts.entries()) {
    await db.jobAttempt.create({
      data: {
        id: `${id}:${index + 1}`,
        jobId: id,
        number: index + 1,
        workerId: 'fixture-worker',
        startedAt: new Date(now - attempt.finishedAgoMs - 1000),
        finishedAt: new Date(now - attempt.finishedAgoMs),
        outcome: attempt.errorCode ? 'FAILED' : 'COMPLETED',
        errorCode: attempt.errorCode,
      },
    });
  }
  return id;
}

/**
 * `count` finished jobs of one new file, created a second apart from `start` (ids `${prefix}_00000` on, oldest first)
 * and each finished half a second after, in one statement: the tables that the plan tests explain queries on.
 */
export async function insertJobsSecondsApart(
  db: DatabaseClient,
  count: number,
  { prefix, start, status = () => 'COMPLETED' }: { prefix: string; start: number; status?: (index: number) => string },
): Promise<void> {
  const fileId = await insertFile(db);
  await db.processingJob.createMany({
    data: Array.from({ length: count }, (_, index) => ({
      id: `${prefix}_${String(index).padStart(5, '0')}`,
      fileId,
      fileName: `${prefix}.txt`,
      fileSize: 7n,
      format: 'txt',
      status: status(index),
      priority: 2,
      availableAt: new Date(start + index * 1_000),
      createdAt: new Date(start + index * 1_000),
      completedAt: new Date(start + index * 1_000 + 500),
      updatedAt: new Date(start + index * 1_000 + 500),
    })),
  });
}
