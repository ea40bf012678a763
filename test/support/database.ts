import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/**
 * The database the suites run against: PostgreSQL when DATABASE_URL is a postgres URL (CI runs the suites
 * once each way), else SQLite files in a temporary directory.
 */
export const POSTGRES_URL = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '')
  ? process.env.DATABASE_URL!
  : null;
export const usingPostgres = POSTGRES_URL !== null;
export const databaseLabel = usingPostgres ? 'PostgreSQL' : 'SQLite';

export interface TestDatabase {
  /** A DATABASE_URL for JobQueueModule: a fresh PostgreSQL database or a fresh SQLite file. */
  url: string;
  /** A directory of this test's own, for stored files. */
  dir: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * `icuLocale` (PostgreSQL): the database's collation is that ICU locale's, as on servers that order text for people
 * (en-US puts "a" before "B"; this machine's default, C.UTF-8, orders by code point).
 */
export async function createTestDatabase(options: { icuLocale?: string } = {}): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-test-'));
  if (!POSTGRES_URL) {
    return {
      url: `file:${path.join(dir, 'queue.db')}`,
      dir,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `file_jobs_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    const collation = options.icuLocale
      ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}' LOCALE 'C.UTF-8'`
      : '';
    await admin.query(`CREATE DATABASE ${name}${collation}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(POSTGRES_URL, name),
    dir,
    drop: async () => {
      const client = new Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** describe() for suites that only make sense on PostgreSQL; says plainly when it is skipped. */
export function describePostgres(name: string, body: () => void): void {
  describeOnlyOn(true, name, body);
}

/** describe() for suites about SQLite alone (its planner, its file); says plainly when it is skipped. */
export function describeSqlite(name: string, body: () => void): void {
  describeOnlyOn(false, name, body);
}

function describeOnlyOn(postgres: boolean, name: string, body: () => void): void {
  if (usingPostgres === postgres) {
    describe(name, body);
    return;
  }
  const needs = postgres ? 'PostgreSQL' : 'SQLite';
  const how = postgres ? 'set DATABASE_URL=postgresql://...' : 'run without DATABASE_URL';
  describe(name, () => {
    it.skip(`skipped: needs ${needs} (${how})`, () => undefined);
  });
  console.log(`[skipped] "${name}" needs ${needs}: ${how} to run it`);
}
