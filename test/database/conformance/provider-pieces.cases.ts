import { EVENT_BUSES } from '../../../src/job-queue/job-queue-core.module';
import { createTestDatabase } from '../../support/database';
import { type DriverUnderTest, newJob, openPrisma } from '../../support/driver-harness';

/**
 * The driver's other provider-specific pieces: the cross-instance lock, the statistics' arithmetic, migrations and
 * the event bus it picks. One describe per piece.
 */
const HOUR = 3_600_000;

export function providerPieceCases(t: DriverUnderTest): void {
  describe('runExclusive', () => {
    const lock = { key: 7_311_402_901, name: 'CONFORMANCE' };

    it('is exclusive between two holders, per key, and free again once the holder is done', async () => {
      let release!: () => void;
      let markHeld!: () => void;
      const held = new Promise<void>((resolve) => (markHeld = resolve));
      const holding = t.driver.runExclusive(lock, () => {
        markHeld();
        return new Promise<string>((resolve) => (release = () => resolve('first')));
      });
      await held;
      let ranSecond = false;
      try {
        expect(await t.second.runExclusive(lock, async () => (ranSecond = true))).toBeUndefined();
        expect(ranSecond).toBe(false);
        expect(await t.second.runExclusive({ ...lock, key: lock.key + 1 }, async () => 'other key')).toBe('other key');
      } finally {
        release();
      }
      expect(await holding).toBe('first');
      expect(await t.second.runExclusive(lock, async () => 'second')).toBe('second');
    });

    it('is released when the work fails', async () => {
      await expect(t.driver.runExclusive(lock, () => Promise.reject(new Error('sweep failed')))).rejects.toThrow(
        'sweep failed',
      );
      expect(await t.second.runExclusive(lock, async () => 'after failure')).toBe('after failure');
    });
  });

  describe('statistics arithmetic', () => {
    // created -> started -> completed, in ms: queue times 250, 1000, 500; processing times 1500, 2000, 500.
    const FIXTURE = [
      { startedMs: 250, completedMs: 1750 },
      { startedMs: 1000, completedMs: 3000 },
      { startedMs: 500, completedMs: 1000 },
    ];

    async function seedCompleted(createdAt: number) {
      const jobs = await t.driver.insertJobs(FIXTURE.map(() => newJob(t.fileId, { createdAt: new Date(createdAt) })));
      for (const [index, { startedMs, completedMs }] of FIXTURE.entries()) {
        await t.db.processingJob.update({
          where: { id: jobs[index].id },
          data: {
            status: 'COMPLETED',
            startedAt: new Date(createdAt + startedMs),
            completedAt: new Date(createdAt + completedMs),
          },
        });
      }
      return jobs;
    }

    it('gives milliseconds between timestamps: per row and averaged', async () => {
      const jobs = await seedCompleted(Date.now() - HOUR / 2);
      const { sql } = t.prisma.fragments; // the client's own runtime: the other's fragments are not SQL to it
      const rows = await t.db.$queryRaw<{ id: string; processing: unknown; queue: unknown }[]>(
        sql`SELECT id, ${t.driver.millisBetween('started_at', 'completed_at')} AS processing,
                   ${t.driver.millisBetween('created_at', 'started_at')} AS queue
              FROM processing_jobs ORDER BY id`,
      );
      const expected = [
        [1500, 250],
        [2000, 1000],
        [500, 500],
      ];
      expect(rows.map((row) => [row.id, Number(row.processing), Number(row.queue)])).toEqual(
        jobs.map((job, index) => [job.id, ...expected[index]]),
      );
      const [average] = await t.db.$queryRaw<{ processing: unknown }[]>(
        sql`SELECT AVG(${t.driver.millisBetween('started_at', 'completed_at')}) AS processing FROM processing_jobs`,
      );
      expect(Number(average.processing)).toBeCloseTo(4000 / 3, 6);
    });

    it('numbers the periods of a timestamp from a start (bucketSince), flooring within each', async () => {
      const since = new Date(Date.now() - 3 * HOUR);
      // Offsets from `since` in ms and their period of an hour: its first and last millisecond, the next, and a half.
      const offsets = [
        [0, 0],
        [HOUR - 1, 0],
        [HOUR, 1],
        [2.5 * HOUR, 2],
      ];
      const jobs = await t.driver.insertJobs(offsets.map(() => newJob(t.fileId)));
      for (const [index, [offset]] of offsets.entries()) {
        await t.db.processingJob.update({
          where: { id: jobs[index].id },
          data: { status: 'COMPLETED', completedAt: new Date(since.getTime() + offset) },
        });
      }
      const { sql } = t.prisma.fragments;
      const rows = await t.db.$queryRaw<{ id: string; bucket: unknown }[]>(
        sql`SELECT id, ${t.driver.bucketSince('completed_at', since, HOUR)} AS bucket FROM processing_jobs ORDER BY id`,
      );
      expect(rows.map((row) => [row.id, Number(row.bucket)])).toEqual(
        jobs.map((job, index) => [job.id, offsets[index][1]]),
      );
    });

    it('reads through the index indexedBy names, or leaves the choice to the planner, with the same rows', async () => {
      const jobs = await t.driver.insertJobs([newJob(t.fileId), newJob(t.fileId), newJob(t.fileId)]);
      for (const [index, errorCode] of ['UNSUPPORTED_FORMAT', 'TIMEOUT'].entries()) {
        await t.db.processingJob.update({ where: { id: jobs[index].id }, data: { status: 'FAILED', errorCode } });
      }
      const { sql } = t.prisma.fragments;
      const rows = await t.db.$queryRaw<{ id: string }[]>(
        sql`SELECT id FROM processing_jobs ${t.driver.indexedBy('processing_jobs_failed_error_code_idx')}
            WHERE status = 'FAILED' AND error_code IN ('UNSUPPORTED_FORMAT', 'INVALID_FILE')`,
      );
      expect(rows.map((row) => row.id)).toEqual([jobs[0].id]);
      // A name that is no index is refused where the hint is given (SQLite), not silently read another way.
      const unknown = t.db.$queryRaw(sql`SELECT id FROM processing_jobs ${t.driver.indexedBy('no_such_index')}`);
      if (t.driver.provider === 'sqlite') await expect(unknown).rejects.toThrow('no_such_index');
      else await expect(unknown).resolves.toHaveLength(jobs.length);
    });

    it('makes jobStats averages the hand-computed ones, leaving out completions older than a day', async () => {
      const now = Date.now();
      await seedCompleted(now - HOUR / 2);
      const recent = await t.driver.statistics.jobFigures(new Date(now), undefined, []);
      expect(recent.lastHour).toBe(3);
      expect(recent.last24Hours).toBe(3);
      expect(recent.averageProcessingTimeMs).toBeCloseTo(4000 / 3, 6);
      expect(recent.averageQueueTimeMs).toBeCloseTo(1750 / 3, 6);
      await seedCompleted(now - 2 * 24 * HOUR); // outside the 24-hour window: same averages
      const withOld = await t.driver.statistics.jobFigures(new Date(now), undefined, []);
      expect(withOld.last24Hours).toBe(3);
      expect(withOld.averageProcessingTimeMs).toBeCloseTo(4000 / 3, 6);
    });
  });

  describe('migrations', () => {
    it('applies every committed migration to a fresh database once, and nothing the second time', async () => {
      const fresh = await createTestDatabase();
      const prisma = openPrisma(fresh.url, `${fresh.dir}/files`, false);
      try {
        await prisma.onModuleInit(); // connects without migrating
        const names = prisma.driver.migrations().map((migration) => migration.name);
        expect(names.length).toBeGreaterThan(0);
        expect(await prisma.driver.migrate()).toEqual(names);
        expect(await prisma.driver.migrate()).toEqual([]);
        expect(await prisma.client.processingJob.count()).toBe(0); // the schema is there
      } finally {
        await prisma.onApplicationShutdown();
        await fresh.drop();
      }
    });
  });

  describe('createEventBus', () => {
    it("builds a bus from the given ones on which the instance's subscribers hear what it publishes", async () => {
      const bus = t.driver.createEventBus(EVENT_BUSES);
      const lifecycle = bus as Partial<Record<'start' | 'close', () => Promise<void>>>; // the PostgreSQL bus has both
      await lifecycle.start?.();
      try {
        const heard = new Promise((resolve) => void bus.subscribe('conformance', resolve, {}));
        await bus.publish('conformance', { hello: 'driver' });
        expect(await heard).toEqual({ hello: 'driver' });
      } finally {
        await lifecycle.close?.();
      }
    });
  });
}
