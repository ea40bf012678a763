/** The standalone server (src/main.ts) in a child process, its stdout read as JSON log lines. */
import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { type TestDatabase, usingPostgres } from './database';
import { within } from './slow-host-process';
import { waitFor } from './test-app';

const REPO_ROOT = path.resolve(__dirname, '../..');
/** Each child start compiles the server with ts-node: ~5-10 s alone, far longer on a loaded machine. */
export const START_TIMEOUT_MS = 150_000;

export interface LogLine {
  level: number;
  msg?: string;
  [field: string]: unknown;
}

export interface Server {
  child: ChildProcess;
  url: string;
  /** Every stdout line so far, parsed (a line that is not JSON fails the test at once). */
  lines: LogLine[];
  rawLines: string[];
}

/**
 * src/main.ts (or `entry`, src/worker-main.ts) in a child process (ts-node), as `npm start` runs it, on the test's
 * database and a port the system picks: the test's own environment without the settings whose names start with one
 * of `withoutPrefixes`, and `env` on top.
 */
export function spawnServer(
  database: TestDatabase,
  env: Record<string, string>,
  withoutPrefixes: string[],
  entry = 'src/main.ts',
): ChildProcessByStdio<null, Readable, Readable> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !withoutPrefixes.some((prefix) => name.startsWith(prefix))),
  );
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', entry], {
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      DATABASE_URL: database.url,
      STORAGE_DIR: path.join(database.dir, 'files'),
      PORT: '0',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Runs src/main.ts as `npm start` would, with LOG_FORMAT=json and LOG_LEVEL=debug, no OTEL_* or LOG_* setting of the
 * test's own environment, and `env` on top; resolves once it listens.
 */
export async function startServer(database: TestDatabase, env: Record<string, string> = {}): Promise<Server> {
  const server = readLogLines(
    spawnServer(database, { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', ...env }, ['OTEL_', 'LOG_']),
  );
  const listening = await untilLogged(server, 'Listening on', 'the server to listen');
  server.url = `http://127.0.0.1:${/localhost:(\d+)/.exec(listening.msg!)![1]}`;
  return server;
}

/**
 * Runs src/worker-main.ts as `npm run start:worker` would, with LOG_FORMAT=json and LOG_LEVEL=debug, no OTEL_* or
 * LOG_* setting of the test's own environment, and `env` on top; resolves once its workers claim.
 */
export async function startWorkerProcess(database: TestDatabase, env: Record<string, string> = {}): Promise<Server> {
  const worker = readLogLines(
    spawnServer(database, { LOG_FORMAT: 'json', LOG_LEVEL: 'debug', ...env }, ['OTEL_', 'LOG_'], 'src/worker-main.ts'),
  );
  await untilLogged(worker, 'Worker ', 'the worker process to start claiming');
  return worker;
}

/** The child with its stdout parsed as JSON log lines as they come (a line that is not JSON fails the test). */
function readLogLines(child: ChildProcessByStdio<null, Readable, Readable>): Server {
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
  return server;
}

function untilLogged(server: Server, prefix: string, what: string): Promise<LogLine> {
  return within(
    waitFor(() => server.lines.find((line) => line.msg?.startsWith(prefix)), START_TIMEOUT_MS - 10_000, 100),
    START_TIMEOUT_MS - 10_000,
    what,
  );
}

/** The job's stored trace context, read straight from the database the server uses. */
export async function storedTraceContext(database: TestDatabase, jobId: string): Promise<unknown> {
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

/** Stops the server with SIGTERM (as an orchestrator would) and resolves once it has exited. */
export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return; // exited already
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await within(exited, 30_000, 'the server to exit').finally(() => server.child.kill('SIGKILL'));
}
