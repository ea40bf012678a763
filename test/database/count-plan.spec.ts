import { jobCountQuery } from '../../src/job-queue/database/job-count-query';
import type { JobQuery } from '../../src/job-queue/database/job-records';
import type { Prisma } from '../../src/job-queue/database/prisma.service';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { insertJobsSecondsApart } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

const JOBS = 3_000;
const START = Date.UTC(2026, 10, 1);
/** Every tenth job FAILED, the rest COMPLETED; the jobs are a second apart. */
const statusOf = (index: number) => (index % 10 === 0 ? 'FAILED' : 'COMPLETED');
/** The newer half: jobs 1,500 to 2,999. */
const NEWER_HALF: JobQuery = { createdAfter: new Date(START + 1_500 * 1_000) };

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * A listing's totalCount filtered by status and creation time, over every owner: the tallies have no creation
 * time, so the jobs are counted; through processing_jobs, PostgreSQL joined every record to its state (220-265 ms
 * at 1,000,000 jobs), where the states alone hold every column of the filter (7-167 ms). This pins that the count
 * reads job_states alone, on 3,000 jobs with their statistics gathered; the control is the same count through
 * processing_jobs, which reads the records too. (SQLite keeps a job in one row: there is no join to leave out.)
 */
describePostgres('The plan of a job count by status and creation time', () => {
  let database: TestDatabase;
  let service: TestApp;

  const tablesRead = async (statement: Prisma.Sql): Promise<string[]> => {
    const { rows } = await service.prisma.pool!.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${statement.text}`,
      statement.values,
    );
    const relations = nodesOf(rows[0]['QUERY PLAN'][0].Plan).map((node) => node['Relation Name']);
    return [...new Set(relations.filter((relation) => relation !== undefined))].sort();
  };
  const countQuery = (query: JobQuery, jobStates: string) => jobCountQuery(query, service.prisma.fragments, jobStates)!;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    await insertJobsSecondsApart(service.prisma.client, JOBS, { prefix: 'job_count', start: START, status: statusOf });
    await service.prisma.pool!.query('ANALYZE job_records, job_states');
  });
  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('counts exactly the jobs of a status created in the window', async () => {
    const records = service.prisma.driver.records;
    expect(await records.countJobs({ ...NEWER_HALF, statuses: ['FAILED'] })).toBe(150);
    expect(await records.countJobs({ ...NEWER_HALF, statuses: ['COMPLETED'] })).toBe(1_350);
    expect(await records.countJobs({ ...NEWER_HALF, statuses: ['FAILED', 'COMPLETED'] })).toBe(1_500);
  });

  it.each([['FAILED'], ['COMPLETED']])(
    'reads the states alone for %s jobs, where the view read the records',
    async (status) => {
      const query: JobQuery = { ...NEWER_HALF, statuses: [status] };
      expect(await tablesRead(countQuery(query, service.prisma.driver.jobStates))).toEqual(['job_states']);
      expect(await tablesRead(countQuery(query, 'processing_jobs'))).toEqual(['job_records', 'job_states']); // control
    },
  );

  it("counts by creation time alone from the records, and an owner's jobs through the view", async () => {
    const jobStates = service.prisma.driver.jobStates;
    expect(await tablesRead(countQuery(NEWER_HALF, jobStates))).toEqual(['job_records']);
    const owned: JobQuery = { ...NEWER_HALF, statuses: ['FAILED'], owners: ['user-1'] };
    expect(await tablesRead(countQuery(owned, jobStates))).toEqual(['job_records', 'job_states']);
    expect(await service.prisma.driver.records.countJobs(owned)).toBe(0);
  });
});
