import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';
import type { NewJob, QueueStore } from '../../src/job-queue/database/queue-store';
import * as statements from '../../src/job-queue/database/postgres-queue-statements';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import {
  expectKeyedPlan,
  expectWalkInIdOrder,
  genericPlanOf as planOn,
  QUEUE_STATEMENTS,
  sortsOfTableRows,
  WALKING_STATEMENTS,
} from '../support/queue-plans';
import { storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const { CLAIM_SQL } = statements;
const JOBS = 20_000;

/**
 * The claim must walk job_states_claim_idx in claim order and stop after its batch. On a table filled since
 * its statistics were gathered (a bulk enqueue, a fresh database) the planner would otherwise read every queued
 * job and sort them (10-50x slower): this pins the choice, so that a schema change cannot bring the sort back.
 */
describePostgres("The queue statements' plans on PostgreSQL", () => {
  let database: TestDatabase;
  let service: TestApp;

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

  const genericPlanOf = (text: string, setting?: string) => planOn(service.prisma.queuePool!, text, setting);

  it('is planned once per connection: every claim runs the generic plan', async () => {
    expect(await plansOfClaims(8)).toEqual({ generic: 8, custom: 0 });
  });

  /*
   * PostgreSQL plans the first five runs anew whatever it thinks of the generic plan; after them it keeps the generic
   * plan only while it prices it no higher than the custom ones (at LIMIT 0, since the claim tallies its moves, it
   * did: 5 custom, 3 generic; before, it planned all eight).
   */
  it("(control) would be planned anew at its first runs with PostgreSQL's default plan cache mode", async () => {
    expect((await plansOfClaims(8, 'auto')).custom).toBeGreaterThanOrEqual(5);
  });

  it.each(QUEUE_STATEMENTS)('keeps a plan for %s that reads by its index, with no sort', async (_, text, index) => {
    const { nodes, jit } = await genericPlanOf(text);
    expectKeyedPlan(nodes, index);
    // Compiled at every run, as the completion was while its sort's price (enable_sort = off) passed
    // jit_above_cost: 1.7 ms of server CPU a job.
    expect(jit).toBe(false);
  });

  /** Each row is locked as it is written, so the order these visit the rows in is the order they lock them in. */
  it.each(WALKING_STATEMENTS)('walks the input of %s in id order, each row by the primary key', async (_, text) => {
    expectWalkInIdOrder((await genericPlanOf(text)).nodes);
  });

  it('(control) with JIT left on, the completion would be compiled at every run', async () => {
    expect((await genericPlanOf(statements.COMPLETE_SQL, 'jit = on')).jit).toBe(true);
  });

  it('(control) with Memoize left on, the renewal would reach the primary key through its cache', async () => {
    const { nodes } = await genericPlanOf(statements.RENEW_SQL, 'enable_memoize = on');
    expect(() => expectWalkInIdOrder(nodes)).toThrow();
    expect(nodes.map((node) => node['Node Type'])).toContain('Memoize');
  });

  it('(control) would keep a plan that reads another index whole and sorts, where its own is missing', async () => {
    await service.prisma.queuePool!.query('DROP INDEX job_states_lease_idx');
    const { nodes } = await genericPlanOf(statements.STALLED_SQL);
    expect(() => expectKeyedPlan(nodes, 'job_states_lease_idx')).toThrow();
    expect(sortsOfTableRows(nodes)).not.toEqual([]);
  });

  it('(control) would see the sort come back in the claim without its index', async () => {
    await service.prisma.queuePool!.query('DROP INDEX job_states_claim_idx');
    const { nodes } = await genericPlanOf(CLAIM_SQL);
    expect(() => expectKeyedPlan(nodes, 'job_states_claim_idx')).toThrow();
    expect(sortsOfTableRows(nodes)).not.toEqual([]);
  });
});
