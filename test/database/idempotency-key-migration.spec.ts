import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { loadMigrations, type Migration, migratePostgres, migrateSqlite } from '../../src/job-queue/database/migrator';
import { createTestDatabase, usingPostgres } from '../support/database';

const ESCAPED = '20261208000000_idempotency_keys_escaped';

/** Jobs as the service stored them before: [id, user, key as "<user>:<key>"], and the key the migration leaves. */
const JOBS: [string, string | null, string | null, string | null][] = [
  ['j1', 'a:b', 'a:b:c', 'a\\:b:c'],
  ['j2', 'a', 'a:b', 'a:b'], // an id with neither ':' nor '\': as it was
  ['j3', null, ':anonymous', ':anonymous'],
  ['j4', 'back\\slash', 'back\\slash:z', 'back\\\\slash:z'],
  // Rewritten in place, j5's new key would be j6's old one: set apart first, both are rewritten.
  ['j5', 'a:', 'a::b:c', 'a\\::b:c'],
  ['j6', 'a\\', 'a\\::b:c', 'a\\\\::b:c'],
  ['j7', 'u:1', 'not scoped', 'not scoped'], // written by something else than the service: left alone
  ['j8', 'u:2', null, null],
];

/** One provider's database: run SQL, migrate up to (not including) a migration or through all of them. */
interface Target {
  run(sql: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  migrate(upTo?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** The migrations before the one named (all of them for none). */
const before = (migrations: Migration[], name?: string) =>
  name
    ? migrations.slice(
        0,
        migrations.findIndex((migration) => migration.name === name),
      )
    : migrations;

async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-keys-'));
  const db = new Database(path.join(dir, 'queue.db'));
  const migrations = loadMigrations('sqlite');
  return {
    run: async (sql, values = []) => {
      const statement = db.prepare(sql);
      return statement.reader
        ? (statement.all(...values) as Record<string, unknown>[])
        : (statement.run(...values), []);
    },
    migrate: async (upTo) => migrateSqlite(db, before(migrations, upTo)),
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresTarget(): Promise<Target> {
  const database = await createTestDatabase();
  const pool = new Pool({ connectionString: database.url });
  const migrations = loadMigrations('postgresql');
  const placeholders = (sql: string) => {
    let n = 0;
    return sql.replace(/\?/g, () => `$${++n}`);
  };
  return {
    run: async (sql, values = []) => (await pool.query(placeholders(sql), values)).rows,
    migrate: async (upTo) => migratePostgres(pool, before(migrations, upTo)),
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/**
 * Migration 20261208000000_idempotency_keys_escaped: the keys of users whose id has ':' or '\' are rewritten to the
 * form the service now writes (JobsService, scopedIdempotencyKey; caller-scope.e2e-spec sends them), every other key
 * stays as it was.
 */
describe.each([['SQLite', sqliteTarget], ...(usingPostgres ? [['PostgreSQL', postgresTarget] as const] : [])] as [
  string,
  () => Promise<Target>,
][])('%s: the migration that escapes idempotency keys', (_label, open) => {
  let target: Target;
  beforeAll(async () => (target = await open()));
  afterAll(async () => target?.close());

  it('rewrites the keys of users whose id has ":" or "\\" and leaves the others', async () => {
    expect(loadMigrations('sqlite').map((m) => m.name)).toContain(ESCAPED);
    await target.migrate(ESCAPED);
    await target.run(`INSERT INTO stored_files (id, original_name, size, format, checksum, storage_path)
                      VALUES ('f1', 'a.txt', 1, 'txt', '-', '-')`);
    for (const [id, user, key] of JOBS) {
      await target.run(
        `INSERT INTO processing_jobs (id, file_id, file_name, file_size, format, available_at, updated_at, user_id,
                                      idempotency_key)
         VALUES (?, 'f1', 'a.txt', 1, 'txt', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, ?, ?)`,
        [id, user, key],
      );
    }
    expect(await target.migrate()).toEqual([ESCAPED]);
    const rows = await target.run('SELECT id, idempotency_key FROM processing_jobs ORDER BY id');
    expect(rows.map((row) => [row.id, row.idempotency_key])).toEqual(JOBS.map(([id, , , after]) => [id, after]));
  });
});
