import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';
import type { NewJob, QueueStore } from '../../src/job-queue/database/queue-store';
import { CLAIM_SQL } from '../../src/job-queue/database/postgres-queue-statements';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const JOBS = 20_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/**
 * The claim must walk processing_jobs_claim_idx in claim order and stop after its batch. On a table filled since
 * its statistics were gathered (a bulk enqueue, a fresh database) the planner would otherwise read every queued
 * job and sort them (10-50x slower): this pins the choice, so that a schema change cannot bring the sort back.
 */
describePostgres('The claim plan on PostgreSQL', () => {
  let database: TestDatabase;
  let service: TestApp;

  const planOfClaim = async (): Promise<PlanNode[]> => {
    const { rows } = await service.prisma.queuePool!.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${CLAIM_SQL}`,
      ['plan-test-worker', 100, 30_000],
    );
    return nodesOf(rows[0]['QUERY PLAN'][0].Plan);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false } });
    const fileId = await storeFile(service.app, 'plan.txt');
    const store = service.app.get<QueueStore>(QUEUE_DRIVER);
    const now = Date.now();
    for (let start = 0; start < JOBS; start += 1000) {
      const jobs: NewJob[] = Array.from({ length: 1000 }, (_, offset) => ({
        id: `plan-job-${String(start + offset).padStart(6, '0')}`,
        fileId,
        priority: 1 + ((start + offset) % 3),
        maxRetries: 3,
        options: null,
        runAt: null,
        availableAt: new Date(now - 1000),
        idempotencyKey: null,
        userId: null,
        createdAt: new Date(now + start + offset),
      }));
      await store.insertJobs(jobs);
    }
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it('walks the claim index in order, with no sort, on a freshly bulk-filled table', async () => {
    const nodes = await planOfClaim();
    expect(nodes.filter((node) => node['Index Name'] === 'processing_jobs_claim_idx')).toHaveLength(1);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Sort');
  });

  /** Runs the claim `runs` times as one named statement on one queue connection; returns how each run was planned. */
  const plansOfClaims = async (runs: number, planCacheMode?: string) => {
    const connection = await service.prisma.queuePool!.connect();
    try {
      if (planCacheMode) await connection.query(`SET plan_cache_mode = ${planCacheMode}`);
      for (let run = 0; run < runs; run++)
        await connection.query({ name: 'plan-test-claim', text: CLAIM_SQL, values: ['plan-test-worker', 0, 30_000] });
      const { rows } = await connection.query<{ generic_plans: string; custom_plans: string }>(
        `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = 'plan-test-claim'`,
      );
      return { generic: Number(rows[0].generic_plans), custom: Number(rows[0].custom_plans) };
    } finally {
      connection.release(true); // not back into the pool: its session holds the test's statement (and setting)
    }
  };

  it('is planned once per connection: every claim runs the generic plan', async () => {
    expect(await plansOfClaims(8)).toEqual({ generic: 8, custom: 0 });
  });

  it("(control) would be planned at every run with PostgreSQL's default plan cache mode", async () => {
    expect(await plansOfClaims(8, 'auto')).toEqual({ generic: 0, custom: 8 });
  });

  it('(control) would see the sort come back without that index', async () => {
    await service.prisma.queuePool!.query('DROP INDEX processing_jobs_claim_idx');
    const nodes = await planOfClaim();
    expect(nodes.filter((node) => node['Index Name'] === 'processing_jobs_claim_idx')).toHaveLength(0);
    expect(nodes.map((node) => node['Node Type'])).toContain('Sort');
  });
});
