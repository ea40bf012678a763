import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { createTestDatabase, databaseLabel, type TestDatabase, usingPostgres } from '../support/database';
import { within } from '../support/slow-host-process';
import { waitFor } from '../support/test-app';

const REPO_ROOT = path.resolve(__dirname, '../..');
/** Each child start compiles the server with ts-node: ~5-10 s alone, far longer on a loaded machine. */
const START_TIMEOUT_MS = 150_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

interface Server {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far, parsed (a line that is not JSON fails the test at once). */
  lines: LogLine[];
  rawLines: string[];
}

/** Runs src/main.ts as `npm start` would, with LOG_FORMAT=json, no tracing settings, until it listens. */
async function startServer(database: TestDatabase): Promise<Server> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('OTEL_') && !name.startsWith('LOG_')),
  );
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      DATABASE_URL: database.url,
      STORAGE_DIR: path.join(database.dir, 'files'),
      PORT: '0',
      NO_COLOR: '1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: Server = { child, url: '', lines: [], rawLines: [] };
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const complete = pending.split('\n');
    pending = complete.pop()!;
    for (const line of complete.filter((text) => text.trim() !== '')) {
      server.rawLines.push(line);
      server.lines.push(JSON.parse(line) as LogLine);
    }
  });
  const listening = await within(
    waitFor(() => server.lines.find((line) => line.msg?.startsWith('Listening on')), START_TIMEOUT_MS - 10_000, 100),
    START_TIMEOUT_MS - 10_000,
    'the server to listen',
  );
  server.url = `http://127.0.0.1:${/localhost:(\d+)/.exec(listening.msg!)![1]}`;
  return server;
}

/** The job's stored trace context, read straight from the database the server uses. */
async function storedTraceContext(database: TestDatabase, jobId: string): Promise<unknown> {
  if (!usingPostgres) {
    const db = new Database(database.url.slice('file:'.length), { readonly: true });
    try {
      return (
        db.prepare('SELECT trace_context FROM processing_jobs WHERE id = ?').get(jobId) as { trace_context: unknown }
      ).trace_context;
    } finally {
      db.close();
    }
  }
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query('SELECT trace_context FROM processing_jobs WHERE id = $1', [jobId])).rows[0]
      .trace_context;
  } finally {
    await client.end();
  }
}

describe(`Structured logs of the standalone server, LOG_FORMAT=json (${databaseLabel})`, () => {
  let database: TestDatabase;
  let server: Server;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServer(database);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (server) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      await within(exited, 30_000, 'the server to exit').finally(() => server.child.kill('SIGKILL'));
    }
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
