import { Client } from 'pg';
import { createTestDatabase, databaseLabel, describePostgres, POSTGRES_URL, type TestDatabase } from '../support/database';
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
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)(?: -?\d+)?$/.exec(line);
    if (!sample) throw new Error(`Not Prometheus text: ${line}`);
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((match) => [match[1], match[2]]));
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

describe(`GET /health and GET /metrics (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  useTestApp({}, (started) => ({ service, database } = started));

  it('answers 200 with database and queue status while healthy, 503 once the queue is UNHEALTHY', async () => {
    const healthy = await service.http().get('/health').expect(200);
    expect(healthy.body).toMatchObject({
      status: 'ok',
      details: { database: { status: 'up', provider: databaseLabel === 'PostgreSQL' ? 'postgresql' : 'sqlite' }, queue: { status: 'up', health: 'HEALTHY' } },
    });
    for (let index = 0; index < 3; index++) await insertJob(service.prisma.client, { format: 'ghost', status: 'FAILED', completedAgoMs: 1000 });
    const unhealthy = await service.http().get('/health').expect(503);
    expect(unhealthy.body.details.queue).toMatchObject({ status: 'down', health: 'UNHEALTHY', issues: ['Success rate 0.0 % is below 70.0 %'] });
    await service.prisma.client.processingJob.deleteMany({ where: { format: 'ghost' } });
  });

  it('serves Prometheus text with queue gauges, finished-job counters, histograms and process metrics', async () => {
    const upload = await service.http().post('/files').attach('file', Buffer.from('one\ntwo\n'), 'count.txt').expect(201);
    await waitFor(async () => (await service.prisma.client.processingJob.findUnique({ where: { id: upload.body.job.id } }))?.status === 'COMPLETED');
    const response = await service.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const { samples, types } = parsePrometheus(response.text);
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.find((sample) => sample.name === name && Object.entries(labels).every(([key, val]) => sample.labels[key] === val))?.value;
    expect(value('file_jobs_jobs', { status: 'COMPLETED' })).toBe(1);
    expect(value('file_jobs_jobs', { status: 'PENDING' })).toBe(0);
    expect(value('file_jobs_stalled_jobs')).toBe(0);
    expect(value('file_jobs_finished_total', { format: 'txt', outcome: 'COMPLETED' })).toBe(1);
    expect(value('file_jobs_retries_total')).toBe(0);
    expect(value('file_jobs_processing_seconds_count', { format: 'txt' })).toBe(1);
    expect(value('file_jobs_queue_seconds_bucket', { format: 'txt', le: '+Inf' })).toBe(1);
    expect(types.get('file_jobs_processing_seconds')).toBe('histogram');
    expect(types.get('file_jobs_finished_total')).toBe('counter');
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });
});

describePostgres('GET /health while PostgreSQL is unreachable', () => {
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

  it('flips to 503 when the database refuses connections and back to 200 when it returns', async () => {
    await service.http().get('/health').expect(200);
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);
    const down = await service.http().get('/health').expect(503);
    expect(down.body.details.database.status).toBe('down');
    await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    await waitFor(async () => (await service.http().get('/health')).status === 200, 10_000, 200);
  });
});
