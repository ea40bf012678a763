import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { DbKind } from './options';

/** A scratch database for one scenario run: a fresh bench_* PostgreSQL database or a SQLite file in a temp dir. */
export interface BenchDatabase {
  kind: DbKind;
  /** DATABASE_URL form: postgresql://… or file:… */
  url: string;
  /** A temp dir of its own (SQLite file, stored files). */
  dir: string;
  drop(): Promise<void>;
}

const live = new Set<BenchDatabase>();
/** Drops under way: an interrupted run waits for them too, or its exit would cut them off. */
const dropping = new Set<Promise<void>>();

/** Runs `work` on a connection of its own to `url`, closed afterwards whatever `work` does. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Longest wait for a system's connections to a database to close before it is dropped anyway. */
const DISCONNECT_WAIT_MS = 5_000;

/**
 * Waits (bounded) until nothing is connected to `database`. A system may end its pool after its close() resolved:
 * graphile-worker's did once in a full run, the drop's FORCE terminated the connection, and its pool's unhandled
 * 'error' ("terminating connection due to administrator command") ended the whole bench.
 */
async function untilDisconnected(client: Client, database: string): Promise<void> {
  const deadline = Date.now() + DISCONNECT_WAIT_MS;
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1',
      [database],
    );
    if (rows[0].count === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function createBenchDatabase(kind: DbKind, adminUrl: string, label: string): Promise<BenchDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), `bench-${label}-`));
  let database: BenchDatabase;
  if (kind === 'sqlite') {
    database = { kind, url: `file:${path.join(dir, 'queue.db')}`, dir, drop: async () => undefined };
  } else {
    const name = `bench_${label.replace(/\W/g, '_')}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    database = {
      kind,
      url: withDatabase(adminUrl, name),
      dir,
      drop: () =>
        withClient(adminUrl, async (client) => {
          await untilDisconnected(client, name);
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        }),
    };
  }
  const drop = database.drop;
  database.drop = async () => {
    live.delete(database);
    const pending = drop().finally(() => rmSync(dir, { recursive: true, force: true }));
    dropping.add(pending);
    await pending.finally(() => dropping.delete(pending));
  };
  live.add(database);
  return database;
}

/** Runs `work` on a fresh database and drops it afterwards, whatever happens. */
export async function withBenchDatabase<T>(
  kind: DbKind,
  adminUrl: string,
  label: string,
  work: (db: BenchDatabase) => Promise<T>,
): Promise<T> {
  const database = await createBenchDatabase(kind, adminUrl, label);
  try {
    return await work(database);
  } finally {
    await database.drop();
  }
}

/** Drops whatever is still open (on an interrupted run). */
export async function dropAllBenchDatabases(): Promise<void> {
  const started = [...live].map((database) => database.drop());
  await Promise.allSettled([...started, ...dropping]);
}

/** Drops bench_* databases left by earlier runs whose process is gone (a crash or kill -9). */
export async function dropStaleBenchDatabases(adminUrl: string): Promise<string[]> {
  return withClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'bench\\_%'`,
    );
    const stale = rows
      .map((row) => row.datname)
      .filter((name) => {
        const pid = Number(/_(\d+)_[a-z0-9]+$/.exec(name)?.[1]);
        return Number.isInteger(pid) && pid !== process.pid && !isAlive(pid);
      });
    for (const name of stale) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    return stale;
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The server's version, e.g. "15.20". */
export function postgresVersion(adminUrl: string): Promise<string> {
  return withClient(
    adminUrl,
    async (client) => (await client.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version,
  );
}
