import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient, type Prisma } from '.prisma/postgresql-client';
import { PrismaClient as SqliteClient } from '.prisma/sqlite-client';
import {
  LIST_ORDER,
  LIST_ORDER_REVERSED,
  listedAfter,
  listedAtOrBefore,
} from '../../src/job-queue/database/prisma-job-records';
import type { JobCursor } from '../../src/job-queue/jobs/job-cursor';
import { createTestDatabase, databaseLabel, type TestDatabase, usingPostgres } from '../support/database';
import { insertJobsSecondsApart } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const JOBS = 3_000;
const PAGE = 21; // a page of 20 and the one after it, as JobsRepository.list asks
const START = Date.UTC(2026, 10, 1);
/** The cursor of the 2,000th newest job: 1,999 newer jobs lie between the index's newest end and it. */
const CURSOR: JobCursor = { createdAt: new Date(START + 1_000 * 1_000), id: 'job_listing_01000' };

interface QueryEvent {
  query: string;
  params: string;
}

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Relation Name'?: string;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];
const isScan = (node: PlanNode) => node['Node Type'].endsWith('Scan');

/**
 * A page of the jobs listing after a cursor: the scan must start at the cursor, not at the newest job. Prisma
 * renders the product's where (listedAfter, in PrismaJobRecords) into SQL, captured from its query log; the database's own planner then
 * explains it, on a table of 3,000 jobs with its statistics gathered. The control is the same page asked with the
 * cursor's OR alone, as the listing asked it before: PostgreSQL read every newer job and SQLite scanned the index.
 */
describe(`The plan of a jobs page after a cursor (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let client: PostgresClient;
  const logged: QueryEvent[] = [];

  /** The SQL and parameters Prisma sends for a findMany of the listing with `where`. */
  const sqlOf = async (where: Prisma.ProcessingJobWhereInput, page = true): Promise<QueryEvent> => {
    logged.length = 0;
    if (page) {
      await client.processingJob.findMany({
        where: { AND: [{}, where] },
        orderBy: LIST_ORDER,
        take: PAGE,
      });
    } else {
      await client.processingJob.findFirst({
        where: { AND: [{}, where] },
        orderBy: LIST_ORDER_REVERSED,
        select: { id: true },
      });
    }
    const query = logged.find((event) => event.query.includes('processing_jobs'));
    if (!query) throw new Error('Prisma logged no query of processing_jobs');
    return query;
  };

  /**
   * PostgreSQL: rows the plan's scans of the job's record read (returned or filtered out, over every loop), from
   * EXPLAIN ANALYZE. Each record read is then joined to its state by the primary key (the processing_jobs view).
   */
  const rowsReadOnPostgres = async ({ query, params }: QueryEvent): Promise<number> => {
    const { rows } = await service.prisma.pool!.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${query}`,
      JSON.parse(params) as unknown[],
    );
    return nodesOf(rows[0]['QUERY PLAN'][0].Plan)
      .filter((node) => isScan(node) && node['Relation Name'] === 'job_records')
      .reduce(
        (read, node) => read + (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops'],
        0,
      );
  };

  /** SQLite: its query plan (dates are epoch milliseconds in this schema). */
  const planOnSqlite = async ({ query, params }: QueryEvent): Promise<string> => {
    const values = (JSON.parse(params) as string[]).map((value) =>
      /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : value,
    );
    return service.prisma.sqliteRead((db) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...values) as { detail: string }[])
        .map((row) => row.detail)
        .join(' | '),
    );
  };

  const controlAfter = (cursor: JobCursor): Prisma.ProcessingJobWhereInput => ({
    OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    await insertJobsSecondsApart(service.prisma.client, JOBS, { prefix: 'job_listing', start: START });
    if (usingPostgres) await service.prisma.pool!.query('ANALYZE job_records, job_states');
    const log = [{ emit: 'event' as const, level: 'query' as const }];
    client = (
      usingPostgres
        ? new PostgresClient({ adapter: new PrismaPg({ connectionString: database.url }), log })
        : new SqliteClient({
            adapter: new PrismaBetterSQLite3({ url: database.url }, { timestampFormat: 'unixepoch-ms' }),
            log,
          })
    ) as PostgresClient;
    const logging = client as unknown as { $on(event: 'query', listener: (event: QueryEvent) => void): void };
    logging.$on('query', (event) => logged.push(event));
  });
  afterAll(async () => {
    await client?.$disconnect();
    await service?.close();
    await database?.drop();
  });

  it('returns the 20 jobs after the cursor, newest first', async () => {
    const page = await client.processingJob.findMany({
      where: listedAfter(CURSOR),
      orderBy: LIST_ORDER,
      take: 20,
    });
    expect(page.map((job) => job.id)).toEqual(
      Array.from({ length: 20 }, (_, index) => `job_listing_${String(999 - index).padStart(5, '0')}`),
    );
  });

  if (usingPostgres) {
    it('reads the page from the cursor on: about a page of rows, against every newer job without the bound', async () => {
      const read = await rowsReadOnPostgres(await sqlOf(listedAfter(CURSOR)));
      const readByControl = await rowsReadOnPostgres(await sqlOf(controlAfter(CURSOR)));
      expect(read).toBeLessThanOrEqual(PAGE + 1);
      expect(readByControl).toBeGreaterThanOrEqual(JOBS - 1_000);
    });

    it('finds whether a job comes before the page from the cursor on', async () => {
      expect(await rowsReadOnPostgres(await sqlOf(listedAtOrBefore(CURSOR), false))).toBeLessThanOrEqual(2);
    });
  } else {
    it('searches the listing index from the cursor on, where the OR alone scanned it', async () => {
      const plan = await planOnSqlite(await sqlOf(listedAfter(CURSOR)));
      expect(plan).toMatch(
        /^SEARCH (main\.)?processing_jobs USING (COVERING )?INDEX processing_jobs_created_at_id_idx \(created_at<\?\)/,
      );
      expect(await planOnSqlite(await sqlOf(controlAfter(CURSOR)))).toMatch(/^SCAN (main\.)?processing_jobs/);
    });

    it('finds whether a job comes before the page through the same index', async () => {
      const plan = await planOnSqlite(await sqlOf(listedAtOrBefore(CURSOR), false));
      expect(plan).toMatch(
        /^SEARCH (main\.)?processing_jobs USING (COVERING )?INDEX processing_jobs_created_at_id_idx \(created_at>\?\)/,
      );
    });
  }
});
