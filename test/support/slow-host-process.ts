import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { TestDatabase } from './database';
import { READY_PREFIX } from './slow-host';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface SlowHost {
  process: ChildProcess;
  /** The port it listens on, once it printed its ready line. */
  ready: Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The per-caller limits off unless a test sets them: every client of a test is one anonymous caller (127.0.0.1), and
 * e.g. the fan-out shutdown test opens 200 graphql-ws connections.
 */
const PER_CALLER_LIMITS_OFF = {
  RATE_LIMIT_MUTATIONS_PER_MINUTE: '0',
  RATE_LIMIT_UPLOADS_PER_MINUTE: '0',
  GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER: '0',
  GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER: '0',
};

/** Starts test/support/slow-host.ts with ts-node against the test database. */
export function spawnSlowHost(database: TestDatabase, env: Record<string, string>): SlowHost {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/support/slow-host.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      STORAGE_DIR: path.join(database.dir, 'files'),
      PORT: '0',
      NO_COLOR: '1',
      ...PER_CALLER_LIMITS_OFF,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`slow host not ready within 60 s:\n${output}`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = new RegExp(`${READY_PREFIX}(\\d+)`).exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`slow host exited (${code ?? signal}) before it was ready:\n${output}`));
    });
  });
  return { process: child, ready, exited };
}
