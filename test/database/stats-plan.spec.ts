import type { SqlJobStatistics } from '../../src/job-queue/database/sql-job-statistics';
import { INPUT_ERROR_CODES } from '../../src/job-queue/monitoring/input-errors';
import { createTestDatabase, describeSqlite, type TestDatabase } from '../support/database';
import { insertJob } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const FAILED_INDEX = 'processing_jobs_failed_error_code_idx';

/**
 * jobStats counts the FAILED jobs with an input error code from the partial index on FAILED jobs' codes. SQLite
 * gathers no statistics, so its planner picked another status index and read every FAILED row instead (1M jobs of
 * which 100k FAILED: 118-177 ms, against 1.8 ms through the partial index): this pins the plan.
 */
describeSqlite('The plan of the statistics on SQLite', () => {
  let database: TestDatabase;
  let service: TestApp;
  const statistics = () => service.prisma.driver.statistics as SqlJobStatistics;

  const planOf = async (statement: { sql: string; values: unknown[] }): Promise<string> =>
    service.prisma.sqliteRead((db) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${statement.sql}`).all(...statement.values) as { detail: string }[])
        .map((row) => row.detail)
        .join(' | '),
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    await insertJob(service.prisma.client, { status: 'FAILED', format: 'txt', errorCode: 'UNSUPPORTED_FORMAT' });
    await insertJob(service.prisma.client, { status: 'FAILED', format: 'txt', errorCode: 'TIMEOUT' });
    await insertJob(service.prisma.client, { status: 'COMPLETED', format: 'txt' });
  });
  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it.each([
    ['every owner', undefined],
    ['one owner', 'user-1'],
    ['no owner', null],
  ])('counts input failures of %s through the partial index on FAILED jobs’ codes', async (_, owner) => {
    const statement = statistics().inputFailedCount(owner, INPUT_ERROR_CODES);
    expect(await planOf(statement)).toMatch(
      new RegExp(`^SEARCH processing_jobs USING (COVERING )?INDEX ${FAILED_INDEX} `),
    );
  });

  it('counts exactly the FAILED jobs with an input error code', async () => {
    const statement = statistics().inputFailedCount(undefined, INPUT_ERROR_CODES);
    const [row] = await service.prisma.client.$queryRaw<{ count: unknown }[]>(statement);
    expect(Number(row.count)).toBe(1);
  });

  it('control: without the index named, the planner reads the FAILED rows through another index', async () => {
    const statement = statistics().inputFailedCount(undefined, INPUT_ERROR_CODES);
    const unhinted = { sql: statement.sql.replace(`INDEXED BY "${FAILED_INDEX}"`, ''), values: statement.values };
    expect(unhinted.sql).not.toBe(statement.sql);
    const plan = await planOf(unhinted);
    expect(plan).toMatch(/^SEARCH processing_jobs USING INDEX \w+ \(status=\?\)$/);
    expect(plan).not.toContain(FAILED_INDEX);
  });
});
