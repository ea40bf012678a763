import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Pool } from 'pg';
import { loadMigrations, type Migration, migratePostgres, migrateSqlite } from '../../src/job-queue/database/migrator';
import { createTestDatabase } from './database';

export interface ColumnFacts {
  name: string;
  nullable: boolean;
}

export interface IndexFacts {
  name: string;
  unique: boolean;
  partial: boolean;
}

/** What a migrated database has, per table: columns and (non-primary-key) indexes, sorted by name. */
export type DatabaseFacts = Record<string, { columns: ColumnFacts[]; indexes: IndexFacts[] }>;

/** A fresh database of one provider, driven through the service's own migrator. */
export interface MigrationTarget {
  provider: 'sqlite' | 'postgresql';
  /** migrateSqlite / migratePostgres with the committed migrations, or the given ones. */
  migrate(migrations?: Migration[]): Promise<string[]>;
  facts(): Promise<DatabaseFacts>;
  /** Rows of _prisma_migrations. */
  appliedCount(): Promise<number>;
  close(): Promise<void>;
}

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));

function collect(
  tables: string[],
  columns: (ColumnFacts & { table: string })[],
  indexes: (IndexFacts & { table: string })[],
): DatabaseFacts {
  const facts: DatabaseFacts = {};
  for (const table of [...tables].sort()) {
    facts[table] = {
      columns: byName(columns.filter((c) => c.table === table).map(({ name, nullable }) => ({ name, nullable }))),
      indexes: byName(
        indexes.filter((i) => i.table === table).map(({ name, unique, partial }) => ({ name, unique, partial })),
      ),
    };
  }
  return facts;
}

/** A temporary SQLite file. */
export async function openSqliteTarget(): Promise<MigrationTarget> {
  const dir = mkdtempSync(path.join(tmpdir(), 'file-jobs-migrations-'));
  const db = new Database(path.join(dir, 'queue.db'));
  return {
    provider: 'sqlite',
    migrate: async (migrations = loadMigrations('sqlite')) => migrateSqlite(db, migrations),
    facts: async () => {
      const tables = (
        db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).all() as {
          name: string;
        }[]
      ).map((t) => t.name);
      const columns = tables.flatMap((table) =>
        (db.pragma(`table_info("${table}")`) as { name: string; notnull: number }[]).map((c) => ({
          table,
          name: c.name,
          nullable: c.notnull === 0,
        })),
      );
      const indexes = tables.flatMap((table) =>
        (db.pragma(`index_list("${table}")`) as { name: string; unique: number; origin: string; partial: number }[])
          .filter((index) => index.origin !== 'pk')
          .map((index) => ({ table, name: index.name, unique: index.unique === 1, partial: index.partial === 1 })),
      );
      return collect(tables, columns, indexes);
    },
    appliedCount: async () => (db.prepare('SELECT count(*) AS n FROM "_prisma_migrations"').get() as { n: number }).n,
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The tables that store a model kept as a view on PostgreSQL: processing_jobs joins a job's record to its state
 * (migration 20261206100000_job_state_apart). The model's facts are then the view's columns (a view's own are all
 * nullable: each takes its stored column's) and its tables' indexes, named for the view as SQLite names them.
 */
const STORED_IN: Record<string, string> = { job_records: 'processing_jobs', job_states: 'processing_jobs' };

function asModelTables(
  tables: string[],
  columns: (ColumnFacts & { table: string })[],
  indexes: (IndexFacts & { table: string })[],
): Parameters<typeof collect> {
  const stored = (table: string) => STORED_IN[table] !== undefined;
  const storedNullable = (view: string, name: string) =>
    columns.find((column) => STORED_IN[column.table] === view && column.name === name)?.nullable;
  return [
    tables.filter((table) => !stored(table)),
    columns
      .filter((column) => !stored(column.table))
      .map((column) => ({ ...column, nullable: storedNullable(column.table, column.name) ?? column.nullable })),
    indexes.map((index) =>
      stored(index.table)
        ? { ...index, table: STORED_IN[index.table], name: index.name.replace(index.table, STORED_IN[index.table]) }
        : index,
    ),
  ];
}

/** A fresh PostgreSQL database (test/support/database.ts); only when DATABASE_URL is a postgres URL. */
export async function openPostgresTarget(): Promise<MigrationTarget> {
  const database = await createTestDatabase();
  const pool = new Pool({ connectionString: database.url });
  const rows = async <T>(sql: string) => (await pool.query(sql)).rows as T[];
  return {
    provider: 'postgresql',
    migrate: (migrations = loadMigrations('postgresql')) => migratePostgres(pool, migrations),
    facts: async () => {
      const tables = await rows<{ table: string }>(
        `SELECT table_name AS table FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type IN ('BASE TABLE', 'VIEW')`,
      );
      const columns = await rows<ColumnFacts & { table: string }>(
        `SELECT table_name AS table, column_name AS name, is_nullable = 'YES' AS nullable
           FROM information_schema.columns WHERE table_schema = current_schema()`,
      );
      const indexes = await rows<IndexFacts & { table: string }>(
        `SELECT tablename AS table, indexname AS name, indexdef LIKE 'CREATE UNIQUE INDEX%' AS unique, indexdef LIKE '% WHERE %' AS partial
           FROM pg_indexes WHERE schemaname = current_schema() AND indexname NOT IN (
             SELECT constraint_name FROM information_schema.table_constraints
              WHERE table_schema = current_schema() AND constraint_type = 'PRIMARY KEY')`,
      );
      return collect(
        ...asModelTables(
          tables.map((t) => t.table),
          columns,
          indexes,
        ),
      );
    },
    appliedCount: async () =>
      Number((await rows<{ n: string }>('SELECT count(*) AS n FROM "_prisma_migrations"'))[0].n),
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/** A migration as loadMigrations would read it from a file with this content (checksum recomputed). */
export function migrationWithSql(migration: Migration, sql: string): Migration {
  return { ...migration, sql, checksum: createHash('sha256').update(sql).digest('hex') };
}
