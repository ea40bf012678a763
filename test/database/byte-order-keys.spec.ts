import { Pool } from 'pg';
import { loadMigrations, migratePostgres } from '../../src/job-queue/database/migrator';
import { createTestDatabase, describePostgres, POSTGRES_URL, type TestDatabase } from '../support/database';

const BYTE_ORDER_KEYS = '20261207000000_byte_order_keys';
const JOB_TABLES = ['stored_files', 'job_records', 'job_states', 'job_attempts', 'job_counts'];

/** The text columns of the job tables' indexes (predicates aside), each with its collation. */
const indexedTextColumns = async (pool: Pool) =>
  (
    await pool.query<{ name: string; collation: string }>(
      `SELECT DISTINCT table_class.relname || '.' || attribute.attname AS name,
              coalesce(used.collname, '-') AS collation
         FROM pg_index AS key_index
         JOIN pg_class AS table_class ON table_class.oid = key_index.indrelid
         JOIN pg_attribute AS attribute
           ON attribute.attrelid = key_index.indrelid AND attribute.attnum = ANY(key_index.indkey::int2[])
         LEFT JOIN pg_collation AS used ON used.oid = attribute.attcollation
        WHERE table_class.relname = ANY($1::text[]) AND attribute.atttypid = 'text'::regtype
        ORDER BY 1`,
      [JOB_TABLES],
    )
  ).rows;

/**
 * What the migration drops and creates again: processing_jobs' definition, defaults, triggers, owner, privileges and
 * comments.
 */
const viewAsDeclared = async (pool: Pool) =>
  (
    await pool.query<{
      definition: string;
      defaults: string[];
      triggers: string[];
      owner: string;
      privileges: string | null;
      comments: string[];
    }>(
      `SELECT pg_get_viewdef('processing_jobs'::regclass) AS definition,
              pg_get_userbyid(view_class.relowner) AS owner, view_class.relacl::text AS privileges,
              ARRAY(SELECT objsubid || ': ' || description FROM pg_description
                     WHERE objoid = 'processing_jobs'::regclass ORDER BY objsubid) AS comments,
              ARRAY(SELECT attribute.attname || ' = ' || pg_get_expr(value.adbin, value.adrelid)
                      FROM pg_attrdef AS value
                      JOIN pg_attribute AS attribute
                        ON attribute.attrelid = value.adrelid AND attribute.attnum = value.adnum
                     WHERE value.adrelid = 'processing_jobs'::regclass ORDER BY 1) AS defaults,
              ARRAY(SELECT pg_get_triggerdef(oid) FROM pg_trigger
                     WHERE tgrelid = 'processing_jobs'::regclass ORDER BY 1) AS triggers
         FROM pg_class AS view_class WHERE view_class.oid = 'processing_jobs'::regclass`,
    )
  ).rows[0];

const idsInOrder = async (pool: Pool, column: 'id' | 'file_name') =>
  (await pool.query<{ value: string }>(`SELECT ${column} AS value FROM processing_jobs ORDER BY ${column}`)).rows.map(
    (row) => row.value,
  );

/**
 * Migration 20261207000000_byte_order_keys: ids and codes compare by their bytes whatever the database's collation,
 * so that the queue's indexes compare them with a memcmp rather than strcoll. Run on a database that orders text
 * for people (ICU en-US), where the two orders differ: before the migration the ids follow the database's order
 * (the control), after it their bytes, and the jobs' names keep the database's.
 */
describePostgres('Ids and codes in byte order (PostgreSQL)', () => {
  /** A role of a host's own, granted reads of the view (roles belong to the server, so it goes after the database). */
  const reader = `file_jobs_reader_${process.pid}`;
  let database: TestDatabase;
  let pool: Pool;

  beforeAll(async () => {
    database = await createTestDatabase({ icuLocale: 'en-US' });
    pool = new Pool({ connectionString: database.url });
    await pool.query(`CREATE ROLE ${reader}`);
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
    const admin = new Pool({ connectionString: POSTGRES_URL! });
    await admin.query(`DROP ROLE IF EXISTS ${reader}`).finally(() => admin.end());
  });

  it('orders ids by their bytes once migrated, names as the database does, and keeps the view as it was', async () => {
    const migrations = loadMigrations('postgresql');
    const before = migrations.findIndex((migration) => migration.name === BYTE_ORDER_KEYS);
    expect(before).toBeGreaterThan(0);
    await migratePostgres(pool, migrations.slice(0, before));
    await pool.query(`INSERT INTO stored_files (id, original_name, size, format, checksum, storage_path)
                      VALUES ('file', 'a.txt', 10, 'txt', '-', '-')`);
    await pool.query(`
      INSERT INTO processing_jobs (id, file_id, file_name, file_size, format, available_at, updated_at)
      VALUES ('job-a', 'file', 'a.txt', 10, 'txt', now(), now()), ('job-B', 'file', 'B.txt', 10, 'txt', now(), now())`);
    // Control: the database's own collation puts "a" before "B", ids included.
    expect(await idsInOrder(pool, 'id')).toEqual(['job-a', 'job-B']);
    await pool.query(`GRANT SELECT ON processing_jobs TO ${reader} WITH GRANT OPTION`);
    await pool.query(`COMMENT ON VIEW processing_jobs IS 'Every job, as one row'`);
    await pool.query(`COMMENT ON COLUMN processing_jobs.status IS 'What the job is doing'`);
    const view = await viewAsDeclared(pool);
    expect(view.triggers).toHaveLength(3);
    expect(view.defaults).toContain("status = 'PENDING'::text");
    expect(view.privileges).toContain(`${reader}=r*/`);
    expect(view.comments).toEqual(['0: Every job, as one row', '6: What the job is doing']);

    expect(await migratePostgres(pool, migrations)).toEqual(migrations.slice(before).map((m) => m.name));

    expect(await idsInOrder(pool, 'id')).toEqual(['job-B', 'job-a']);
    expect(await idsInOrder(pool, 'file_name')).toEqual(['a.txt', 'B.txt']);
    expect(await viewAsDeclared(pool)).toEqual(view);
    const columns = await indexedTextColumns(pool);
    expect(columns.filter((column) => column.collation !== 'C')).toEqual([]);
    expect(columns.map((column) => column.name)).toEqual(
      expect.arrayContaining(['job_records.id', 'job_states.id', 'job_states.status', 'job_counts.status']),
    );
    // The view's defaults and triggers work again: a job written through it gets its state with the defaults.
    await pool.query(`INSERT INTO processing_jobs (id, file_id, file_name, file_size, format, available_at, updated_at)
                      VALUES ('job-c', 'file', 'c.txt', 10, 'txt', now(), now())`);
    const { rows } = await pool.query<{ status: string; stage: string }>(
      `SELECT status, stage FROM job_states WHERE id = 'job-c'`,
    );
    expect(rows).toEqual([{ status: 'PENDING', stage: 'QUEUED' }]);
  });
});
