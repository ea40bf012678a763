import { randomUUID } from 'node:crypto';
import { PrismaService, type DatabaseClient } from '../../src/job-queue/database/prisma.service';
import type { QueueDriver } from '../../src/job-queue/database/queue-driver';
import type { NewJob } from '../../src/job-queue/database/queue-store';
import type { JobRecord } from '../../src/job-queue/common/job-record';
import { resolveJobQueueOptions } from '../../src/job-queue/job-queue.options';
import { createTestDatabase, type TestDatabase } from './database';

/**
 * The driver of the database under test (SQLite file, or a fresh PostgreSQL database when DATABASE_URL is set),
 * opened the way the service opens it: a PrismaService, which migrates, connects and picks the driver. `second` is
 * another instance's driver on the same database (its own connections), for the cases between two holders.
 */
export interface DriverUnderTest {
  driver: QueueDriver;
  /** The connections `driver` runs on. */
  prisma: PrismaService;
  second: QueueDriver;
  db: DatabaseClient;
  database: TestDatabase;
  /** A stored file made for the current case, for jobs that need one. */
  fileId: string;
}

export function openPrisma(url: string, storageDir: string, migrateOnStart = true): PrismaService {
  return new PrismaService(resolveJobQueueOptions({ databaseUrl: url, storageDir, migrateOnStart }));
}

/** Registers the suite's set-up: one database for the suite, emptied before each case. */
export function useDriverUnderTest(): DriverUnderTest {
  const opened: PrismaService[] = [];
  const harness = {} as DriverUnderTest;
  const open = async (url: string) => {
    const prisma = openPrisma(url, `${harness.database.dir}/files`);
    opened.push(prisma);
    await prisma.onModuleInit();
    return prisma;
  };

  beforeAll(async () => {
    harness.database = await createTestDatabase();
    const first = await open(harness.database.url);
    harness.prisma = first;
    harness.driver = first.driver;
    harness.db = first.client;
    harness.second = (await open(harness.database.url)).driver;
  });

  afterAll(async () => {
    for (const prisma of opened.reverse()) await prisma.onApplicationShutdown();
    await harness.database?.drop();
  });

  beforeEach(async () => {
    await harness.db.jobAttempt.deleteMany();
    await harness.db.processingJob.deleteMany();
    await harness.db.storedFile.deleteMany();
    harness.fileId = await storedFile(harness.db, null);
  });

  return harness;
}

/** A stored file of `ownerId` (null: no owner): `<id>.txt`, 7 bytes of format txt unless `fields` say otherwise. */
export async function storedFile(
  db: DatabaseClient,
  ownerId: string | null,
  fields: { id?: string; size?: bigint; format?: string } = {},
): Promise<string> {
  const id = fields.id ?? `file_${randomUUID()}`;
  await db.storedFile.create({
    data: {
      id,
      originalName: `${id}.txt`,
      size: fields.size ?? 7n,
      format: fields.format ?? 'txt',
      checksum: 'x',
      storagePath: `${id}.txt`,
      userId: ownerId,
      createdAt: new Date(),
    },
  });
  return id;
}

let sequence = 0;

/** A new due job of `fileId`: created a minute ago (plus `n` ms, to order jobs by age), priority 2. */
export function newJob(fileId: string, fields: Partial<NewJob> = {}): NewJob {
  const createdAt = new Date(Date.now() - 60_000);
  return {
    id: `job_${String(++sequence).padStart(6, '0')}_${randomUUID().slice(0, 8)}`,
    fileId,
    priority: 2,
    maxRetries: 3,
    options: null,
    runAt: null,
    availableAt: createdAt,
    idempotencyKey: null,
    userId: null,
    createdAt,
    ...fields,
  };
}

/** The job as the driver's records show it; throws when there is none. */
export async function jobOf(t: DriverUnderTest, id: string): Promise<JobRecord> {
  const job = await t.driver.records.findJob(id);
  if (!job) throw new Error(`no job ${id}`);
  return job;
}

/** Sorted ids, for comparing sets of jobs. */
export const idsOf = (jobs: Pick<JobRecord, 'id'>[]) => jobs.map((job) => job.id).sort();

/**
 * A job `worker` ran, lost (its lease expired and the job was recovered, as stalledJobs does) and claimed again:
 * the first attempt may still be running in that worker's process. Returns the second attempt's record.
 */
export async function jobClaimedTwice(t: DriverUnderTest, worker: string, leaseMs: number): Promise<JobRecord> {
  const [job] = await t.driver.insertJobs([newJob(t.fileId)]);
  await t.driver.claim(worker, 1, leaseMs);
  await t.driver.records.overwriteJob(job.id, {
    status: 'RETRYING',
    leaseOwner: null,
    leaseExpiresAt: null,
    availableAt: new Date(Date.now() - 1000),
  });
  const [second] = await t.driver.claim(worker, 1, leaseMs);
  if (second?.id !== job.id || second.attemptCount !== 2) throw new Error('the job was not claimed a second time');
  return second;
}
