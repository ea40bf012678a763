import request from 'supertest';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import {
  type Server,
  START_TIMEOUT_MS,
  startServer,
  stopServer,
  storedTraceContext,
} from '../support/standalone-server';
import { waitFor } from '../support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe(`Structured logs of the standalone server, LOG_FORMAT=json (${databaseLabel})`, () => {
  let database: TestDatabase;
  let server: Server;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServer(database);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await stopServer(server);
    await database?.drop();
  });

  it('writes one JSON object a line, Nest start-up lines included', () => {
    expect(server.rawLines.length).toBeGreaterThan(5);
    expect(server.lines.find((line) => line.context === 'NestApplication')).toMatchObject({
      level: 30,
      msg: 'Nest application successfully started',
    });
  });

  it('a processed job: its lines carry jobId, attempt, workerId and format, the last one its outcome', async () => {
    const response = await request(server.url)
      .post('/files')
      .attach('file', Buffer.from('a few words to process'), 'logged.txt')
      .expect(201);
    const jobId: string = response.body.job.id;
    const completed = await waitFor(() => server.lines.find((line) => line.jobId === jobId && line.outcome));
    const jobLines = server.lines.filter((line) => line.jobId === jobId);
    expect(jobLines.map((line) => line.msg)).toEqual(['Job started', 'Job completed']);
    const workerId = jobLines[0].workerId as string;
    expect(workerId).toMatch(new RegExp(`:${server.child.pid}:[0-9a-f]{6}$`));
    expect(completed).toMatchObject({
      level: 20,
      context: 'JobRunner',
      msg: 'Job completed',
      jobId,
      attempt: 1,
      workerId,
      format: 'txt',
      outcome: 'COMPLETED',
    });
    expect(jobLines[0]).toMatchObject({ level: 20, jobId, attempt: 1, workerId, format: 'txt' });
    // No tracing SDK in this process: nothing was stored for the job's trace.
    expect(await storedTraceContext(database, jobId)).toBeNull();
  });

  it('a request with x-request-id gets it back, and its log line carries it', async () => {
    const given = 'obs-test.42:req_A';
    const response = await request(server.url).get('/health/live').set('x-request-id', given).expect(200);
    expect(response.headers['x-request-id']).toBe(given);
    const logged = await waitFor(() =>
      server.lines.find((line) => (line.req as { id?: string } | undefined)?.id === given),
    );
    expect(logged).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: given, method: 'GET', url: '/health/live' },
      res: { statusCode: 200 },
    });
  });

  it('without x-request-id, or with one too long or of other characters, a new id is made and returned', async () => {
    const idFor = async (header?: string) => {
      const call = request(server.url).get('/health/live');
      return (await (header === undefined ? call : call.set('x-request-id', header)).expect(200)).headers[
        'x-request-id'
      ];
    };
    const made = [await idFor(), await idFor('x'.repeat(129)), await idFor('two words'), await idFor('a/b')];
    for (const id of made) expect(id).toMatch(UUID);
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) await waitFor(() => server.lines.find((line) => (line.req as { id?: string })?.id === id));
    // Control: the longest id accepted comes back as sent.
    expect(await idFor('x'.repeat(128))).toBe('x'.repeat(128));
  });
});
