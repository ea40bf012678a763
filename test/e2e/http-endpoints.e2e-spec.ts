import { Client } from 'pg';
import {
  createTestDatabase,
  databaseLabel,
  describePostgres,
  POSTGRES_URL,
  type TestDatabase,
} from '../support/database';
import { insertJob } from '../support/fixtures';
import { startTestApp, type TestApp, useTestApp, waitFor } from '../support/test-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the Prometheus text format (0.0.4): throws on any line that is not a comment or a sample. */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) continue;
    // prom-client writes a NaN gauge (the event-loop lag before its first sample) as "Nan", which Prometheus reads too.
    const sample =
      /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (-?[0-9.e+-]+|NaN|Nan|\+Inf|-Inf)(?: -?\d+)?$/.exec(
        line,
      );
    if (!sample) throw new Error(`Not Prometheus text: ${line}`);
    const labels = Object.fromEntries(
      [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((match) => [
        match[1],
        match[2],
      ]),
    );
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find(
    (sample) => sample.name === name && Object.entries(labels).every(([key, val]) => sample.labels[key] === val),
  )?.value;
}

describe(`GET /health and GET /metrics (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({}, (started) => ({ service } = started));

  it('answers /health as readiness: an UNHEALTHY queue makes /health/queue 503, not /health', async () => {
    const provider = databaseLabel === 'PostgreSQL' ? 'postgresql' : 'sqlite';
    expect((await service.http().get('/health').expect(200)).body).toMatchObject({ status: 'ok', database: provider });
    const healthy = await service.http().get('/health/queue').expect(200);
    expect(healthy.body).toMatchObject({
      status: 'ok',
      queue: { status: 'HEALTHY', issues: [], pendingCount: 0, stalledCount: 0 },
    });
    for (let index = 0; index < 3; index++) {
      await insertJob(service.prisma.client, {
        format: 'ghost',
        status: 'FAILED',
        errorCode: 'INTERNAL_ERROR',
        completedAgoMs: 1000,
      });
    }
    const unhealthy = await service.http().get('/health/queue').expect(503);
    expect(unhealthy.body).toMatchObject({
      status: 'error',
      error: 'queue: UNHEALTHY (Success rate 0.0 % is below 70.0 % (3 system failures; no input failures))',
      queue: { status: 'UNHEALTHY', systemFailedCount: 3, inputFailedCount: 0 },
    });
    await service.http().get('/health').expect(200);
    await service.http().get('/health/ready').expect(200);
    const { samples } = parsePrometheus((await service.http().get('/metrics').expect(200)).text);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    expect(value('file_jobs_queue_health', { status: 'UNHEALTHY' })).toBe(1);
    expect(value('file_jobs_queue_health', { status: 'HEALTHY' })).toBe(0);
    expect(value('file_jobs_failed_jobs', { cause: 'system' })).toBe(3);
    expect(value('file_jobs_failed_jobs', { cause: 'input' })).toBe(0);
    expect(value('file_jobs_success_rate', { failures: 'all' })).toBe(0);
    expect(value('file_jobs_success_rate', { failures: 'system' })).toBe(0);
    await service.prisma.client.processingJob.deleteMany({ where: { format: 'ghost' } });
  });

  it('serves Prometheus text with queue gauges, finished-job counters, histograms and process metrics', async () => {
    const upload = await service
      .http()
      .post('/files')
      .attach('file', Buffer.from('one\ntwo\n'), 'count.txt')
      .expect(201);
    await waitFor(
      async () =>
        (await service.prisma.client.processingJob.findUnique({ where: { id: upload.body.job.id } }))?.status ===
        'COMPLETED',
    );
    const response = await service.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const { samples, types } = parsePrometheus(response.text);
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(samples, name, labels);
    expect(value('file_jobs_jobs', { status: 'COMPLETED' })).toBe(1);
    expect(value('file_jobs_jobs', { status: 'PENDING' })).toBe(0);
    expect(value('file_jobs_stalled_jobs')).toBe(0);
    expect(value('file_jobs_finished_total', { format: 'txt', outcome: 'COMPLETED' })).toBe(1);
    expect(value('file_jobs_retries_total')).toBe(0);
    expect(value('file_jobs_processing_seconds_count', { format: 'txt' })).toBe(1);
    expect(value('file_jobs_queue_seconds_bucket', { format: 'txt', le: '+Inf' })).toBe(1);
    expect(types.get('file_jobs_processing_seconds')).toBe('histogram');
    expect(types.get('file_jobs_finished_total')).toBe('counter');
    // Attempt and stage durations (issue 16): labelled by format and outcome, and by stage alone.
    expect(types.get('file_jobs_attempt_seconds')).toBe('histogram');
    expect(value('file_jobs_attempt_seconds_count', { format: 'txt', outcome: 'COMPLETED' })).toBe(1);
    expect(types.get('file_jobs_stage_seconds')).toBe('histogram');
    const stageCounts = samples.filter((sample) => sample.name === 'file_jobs_stage_seconds_count');
    expect(Object.fromEntries(stageCounts.map((sample) => [sample.labels.stage, sample.value]))).toEqual({
      VALIDATING: 1,
      READING: 1,
      EXTRACTING: 1,
      ANALYZING: 1,
      FINALIZING: 1,
    });
    const stageLabels = samples.filter((sample) => sample.name.startsWith('file_jobs_stage_seconds'));
    expect(new Set(stageLabels.flatMap((sample) => Object.keys(sample.labels)))).toEqual(new Set(['stage', 'le']));
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('labels formats without a processor "other": 50 made-up extensions add at most one series', async () => {
    const seriesOf = async (name = 'file_jobs_finished_total') => {
      const { samples } = parsePrometheus((await service.http().get('/metrics').expect(200)).text);
      return samples.filter((sample) => sample.name === name);
    };
    const before = await seriesOf();
    const extensions = Array.from({ length: 50 }, (_, index) => `made${index}up`);
    const jobIds: string[] = [];
    for (const extension of extensions) {
      jobIds.push(
        (await service.http().post('/files').attach('file', Buffer.from('x'), `file.${extension}`).expect(201)).body.job
          .id,
      );
    }
    const db = service.prisma.client;
    await waitFor(
      async () => (await db.processingJob.count({ where: { id: { in: jobIds }, status: 'FAILED' } })) === jobIds.length,
    );
    const after = await seriesOf();
    expect(after.length - before.length).toBeLessThanOrEqual(1);
    expect(after.filter((sample) => extensions.includes(sample.labels.format))).toEqual([]);
    expect(after.find((sample) => sample.labels.format === 'other' && sample.labels.outcome === 'FAILED')?.value).toBe(
      50,
    );
    const attempts = (await seriesOf('file_jobs_attempt_seconds_count')).filter(
      (sample) => sample.labels.format !== 'txt',
    );
    expect(attempts.map((sample) => [sample.labels, sample.value])).toEqual([
      [{ format: 'other', outcome: 'FAILED' }, 50],
    ]);
    // A format with a processor keeps its own label (the Prometheus test above saw format="txt").
    expect(after.some((sample) => sample.labels.format === 'txt')).toBe(true);
  });
});

describePostgres('Readiness and liveness while PostgreSQL is unreachable', () => {
  let database: TestDatabase;
  let service: TestApp;
  let admin: Client;
  let name: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    name = new URL(database.url).pathname.slice(1);
    admin = new Client({ connectionString: POSTGRES_URL! });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await admin?.end();
    await service?.close();
    await database?.drop();
  });

  it('answers readiness 503 with a one-line reason while the database refuses connections, 200 after; liveness stays 200', async () => {
    await service.http().get('/health/ready').expect(200);
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
    try {
      for (const path of ['/health/ready', '/health']) {
        const down = await service.http().get(path).expect(503);
        expect(Object.keys(down.body).sort()).toEqual(['error', 'status']);
        expect(down.body.status).toBe('error');
        expect(down.body.error).toMatch(/^database: unreachable( \([\w ]+\))?$/);
      }
      const queue = await service.http().get('/health/queue').expect(503);
      expect(queue.body.error).toMatch(/^database: unreachable( \([\w ]+\))?$/);
      expect((await service.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    } finally {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    }
    await waitFor(async () => (await service.http().get('/health/ready')).status === 200, 10_000, 200);
    await service.http().get('/health').expect(200);
    await service.http().get('/health/live').expect(200);
  });
});
