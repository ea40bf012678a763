import { databaseLabel } from '../support/database';
import { insertJob, type JobFixture } from '../support/fixtures';
import { type TestApp, useTestApp } from '../support/test-app';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const STATS = `{ jobStats {
  total byStatus { status count } byFormat { format count } byPriority { priority count }
  successRate systemSuccessRate inputFailedCount systemFailedCount averageProcessingTimeMs averageQueueTimeMs
  throughput { lastHour last24Hours last7Days } errors { code count lastSeenAt } } }`;
const HEALTH = `{ queueHealth { status issues pendingCount processingCount failedCount inputFailedCount systemFailedCount stalledCount successRate systemSuccessRate oldestPendingAgeMs checkedAt } }`;

describe(`Statistics and health against hand-counted fixtures (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service } = started));

  it('reports an empty queue', async () => {
    const { data, errors } = await service.gql(STATS);
    expect(errors).toBeUndefined();
    expect(data.jobStats).toEqual({
      total: 0,
      byStatus: ['PENDING', 'PROCESSING', 'RETRYING', 'COMPLETED', 'FAILED', 'CANCELLED'].map((status) => ({
        status,
        count: 0,
      })),
      byFormat: [],
      byPriority: [
        { priority: 'HIGH', count: 0 },
        { priority: 'NORMAL', count: 0 },
        { priority: 'LOW', count: 0 },
      ],
      successRate: null,
      systemSuccessRate: null,
      inputFailedCount: 0,
      systemFailedCount: 0,
      averageProcessingTimeMs: null,
      averageQueueTimeMs: null,
      throughput: { lastHour: 0, last24Hours: 0, last7Days: 0 },
      errors: [],
    });
    const health = (await service.gql(HEALTH)).data.queueHealth;
    expect(health).toMatchObject({
      status: 'HEALTHY',
      issues: [],
      pendingCount: 0,
      processingCount: 0,
      failedCount: 0,
      inputFailedCount: 0,
      systemFailedCount: 0,
      stalledCount: 0,
      successRate: null,
      systemSuccessRate: null,
      oldestPendingAgeMs: null,
    });
  });

  it('counts every field of a known set of jobs', async () => {
    const now = Date.now();
    const db = service.prisma.client;
    // prettier-ignore
    const fixtures: JobFixture[] = [
      { format: 'txt', priority: 3, status: 'COMPLETED', createdAgoMs: 40 * MIN, startedAgoMs: 39 * MIN, completedAgoMs: 38 * MIN },
      { format: 'txt', priority: 2, status: 'COMPLETED', createdAgoMs: 5 * HOUR, startedAgoMs: 5 * HOUR - 30_000, completedAgoMs: 5 * HOUR - 150_000 },
      { format: 'pdf', priority: 2, status: 'COMPLETED', createdAgoMs: 3 * DAY, startedAgoMs: 3 * DAY - 10_000, completedAgoMs: 3 * DAY - 20_000 },
      { format: 'pdf', priority: 1, status: 'COMPLETED', createdAgoMs: 10 * DAY, startedAgoMs: 10 * DAY - 10_000, completedAgoMs: 10 * DAY - 20_000 },
      {
        format: 'csv', priority: 1, status: 'FAILED', errorCode: 'MALFORMED_FILE',
        createdAgoMs: 2 * HOUR, startedAgoMs: 2 * HOUR - 1000, completedAgoMs: 2 * HOUR - 2000,
        attempts: [{ errorCode: 'MALFORMED_FILE', finishedAgoMs: 2 * HOUR - 2000 }],
      },
      { format: 'csv', priority: 3, status: 'PENDING', createdAgoMs: 20 * MIN },
      { format: 'txt', priority: 2, status: 'PENDING', createdAgoMs: 30 * MIN, runAtInMs: HOUR, availableInMs: HOUR },
      { format: 'txt', priority: 2, status: 'PROCESSING', startedAgoMs: 10_000, leaseExpiresInMs: 5 * MIN },
      {
        format: 'txt', priority: 1, status: 'RETRYING', retryCount: 2, createdAgoMs: HOUR, availableInMs: MIN,
        attempts: [{ errorCode: 'TIMEOUT', finishedAgoMs: 30 * MIN }, { errorCode: 'TIMEOUT', finishedAgoMs: 10 * MIN }],
      },
      { format: 'json', priority: 2, status: 'CANCELLED', createdAgoMs: 3 * MIN, completedAgoMs: 2 * MIN },
    ];
    for (const fixture of fixtures) await insertJob(db, fixture, now);

    const { data, errors } = await service.gql(STATS);
    expect(errors).toBeUndefined();
    expect(data.jobStats).toEqual({
      total: 10,
      byStatus: [
        { status: 'PENDING', count: 2 },
        { status: 'PROCESSING', count: 1 },
        { status: 'RETRYING', count: 1 },
        { status: 'COMPLETED', count: 4 },
        { status: 'FAILED', count: 1 },
        { status: 'CANCELLED', count: 1 },
      ],
      byFormat: [
        { format: 'txt', count: 5 },
        { format: 'csv', count: 2 },
        { format: 'pdf', count: 2 },
        { format: 'json', count: 1 },
      ],
      byPriority: [
        { priority: 'HIGH', count: 2 },
        { priority: 'NORMAL', count: 5 },
        { priority: 'LOW', count: 3 },
      ],
      successRate: 0.8,
      // The one FAILED job failed on its input (MALFORMED_FILE): not a failure of the system.
      systemSuccessRate: 1,
      inputFailedCount: 1,
      systemFailedCount: 0,
      averageProcessingTimeMs: 90_000, // (60 s + 120 s) / 2, the two completed in the last 24 h
      averageQueueTimeMs: 45_000, // (60 s + 30 s) / 2
      throughput: { lastHour: 1, last24Hours: 2, last7Days: 3 },
      errors: [
        { code: 'TIMEOUT', count: 2, lastSeenAt: new Date(now - 10 * MIN).toISOString() },
        { code: 'MALFORMED_FILE', count: 1, lastSeenAt: new Date(now - 2 * HOUR + 2000).toISOString() },
      ],
    });

    const health = (await service.gql(HEALTH)).data.queueHealth;
    expect(health).toMatchObject({
      status: 'DEGRADED',
      pendingCount: 2,
      processingCount: 1,
      failedCount: 1,
      inputFailedCount: 1,
      systemFailedCount: 0,
      stalledCount: 0,
      successRate: 0.8,
      systemSuccessRate: 1,
    });
    // The due PENDING job became available 20 minutes ago; the one held back by runAt is not waiting.
    expect(health.oldestPendingAgeMs).toBeGreaterThanOrEqual(20 * MIN);
    expect(health.oldestPendingAgeMs).toBeLessThan(20 * MIN + 10_000);
    expect(health.issues).toEqual([
      expect.stringMatching(/^Oldest pending job has waited 12\d\d s \(more than 600 s\)$/),
    ]);
  });

  it('counts input failures apart from system failures in the success rate that health uses', async () => {
    const db = service.prisma.client;
    // Added to the jobs above (COMPLETED 4, FAILED 1 with MALFORMED_FILE): three more input failures, two system ones.
    for (const errorCode of ['INVALID_FILE', 'UNSUPPORTED_FORMAT', 'FILE_TOO_LARGE', 'INTERNAL_ERROR', 'STALLED']) {
      await insertJob(db, { format: 'bin', status: 'FAILED', errorCode, startedAgoMs: 2 * MIN, completedAgoMs: MIN });
    }
    const stats = (await service.gql(STATS)).data.jobStats;
    expect(stats).toMatchObject({ successRate: 0.4, inputFailedCount: 4, systemFailedCount: 2 });
    expect(stats.systemSuccessRate).toBeCloseTo(4 / 6, 12);
    const health = (await service.gql(HEALTH)).data.queueHealth;
    expect(health).toMatchObject({
      status: 'UNHEALTHY',
      failedCount: 6,
      inputFailedCount: 4,
      systemFailedCount: 2,
      successRate: 0.4,
    });
    expect(health.systemSuccessRate).toBeCloseTo(4 / 6, 12);
    expect(health.issues[0]).toBe(
      'Success rate 66.7 % is below 70.0 % (2 system failures; 4 input failures not counted, 40.0 % with them)',
    );
    await db.processingJob.deleteMany({ where: { format: 'bin' } });
    expect((await service.gql(HEALTH)).data.queueHealth).toMatchObject({
      status: 'DEGRADED',
      inputFailedCount: 1,
      systemFailedCount: 0,
    });
  });

  it('turns UNHEALTHY past the unhealthy thresholds', async () => {
    const db = service.prisma.client;
    for (let index = 0; index < 6; index++) {
      await insertJob(db, { status: 'PROCESSING', startedAgoMs: 10 * MIN, leaseExpiresInMs: -MIN });
    }
    const health = (await service.gql(HEALTH)).data.queueHealth;
    expect(health.status).toBe('UNHEALTHY');
    expect(health.stalledCount).toBe(6);
    expect(health.issues).toContain('6 stalled jobs (more than 5)');
  });
});
