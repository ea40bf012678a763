import { QUEUE_DRIVER } from '../../src/job-queue/job-queue.constants';
import type { NewJob, QueueStore } from '../../src/job-queue/database/queue-store';
import * as statements from '../../src/job-queue/database/postgres-queue-statements';
import { INSERT_KEYED_SQL, INSERT_UNKEYED_SQL } from '../../src/job-queue/database/postgres-insert-statement';
import { SETTLE_SQL } from '../../src/job-queue/database/postgres-settle-statement';
import { createTestDatabase, describePostgres, type TestDatabase } from '../support/database';
import { storeFile } from '../support/queue-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const { CLAIM_SQL } = statements;
const JOBS = 20_000;

/**
 * Every statement the queue's connections run, and the index each must reach its rows by. Those connections plan a
 * statement once and keep the generic plan (plan_cache_mode = force_generic_plan): a plan that reads a whole table
 * would then be the one used at every run, whatever the values.
 */
const QUEUE_STATEMENTS: [name: string, text: string, index: string][] = [
  ['claim', CLAIM_SQL, 'processing_jobs_claim_idx'],
  ['complete', statements.COMPLETE_SQL, 'processing_jobs_pkey'],
  ['settle', SETTLE_SQL, 'processing_jobs_pkey'],
  ['renew-leases', statements.RENEW_SQL, 'processing_jobs_pkey'],
  ['save-progress', statements.SAVE_PROGRESS_SQL, 'processing_jobs_pkey'],
  ['save-extraction', statements.SAVE_EXTRACTION_SQL, 'processing_jobs_pkey'],
  ['find-jobs', statements.FIND_JOBS_SQL, 'processing_jobs_pkey'],
  ['jobs-by-keys', statements.BY_KEYS_SQL, 'processing_jobs_idempotency_key_key'],
  ['find-stalled', statements.STALLED_SQL, 'processing_jobs_lease_idx'],
  ['next-due', statements.MS_UNTIL_NEXT_DUE_SQL, 'processing_jobs_due_idx'],
  ['delete-finished', statements.DELETE_FINISHED_SQL, 'processing_jobs_finished_idx'],
  ['delete-unused-files', statements.DELETE_UNUSED_FILES_SQL, 'processing_jobs_file_id_idx'],
  ['lock-files', statements.LOCK_FILES_SQL, 'stored_files_pkey'],
  ['find-files', statements.FIND_FILES_SQL, 'stored_files_pkey'],
  ['insert-keyed', INSERT_KEYED_SQL, 'stored_files_pkey'],
  ['insert-unkeyed', INSERT_UNKEYED_SQL, 'stored_files_pkey'],
];

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Sorts of rows read from a table; a sort of the statement's own input (COMPLETE_SQL's ids) reads none. */
const sortsOfTableRows = (nodes: PlanNode[]) =>
  nodes.filter(
    (node) => node['Node Type'] === 'Sort' && nodesOf(node).some((below) => below['Relation Name'] !== undefined),
  );

/**
 * The claim must walk processing_jobs_claim_idx in claim order and stop after its batch. On a table filled since
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

  it('is planned once per connection: every claim runs the generic plan', async () => {
    expect(await plansOfClaims(8)).toEqual({ generic: 8, custom: 0 });
  });

  it("(control) would be planned at every run with PostgreSQL's default plan cache mode", async () => {
    expect(await plansOfClaims(8, 'auto')).toEqual({ generic: 0, custom: 8 });
  });

  /**
   * The plan a queue connection keeps for `text`: prepared there, explained with every parameter null, and whether
   * PostgreSQL would compile it at every run (JIT). The values do not matter to a generic plan; were the connection
   * to plan each run (`auto`), the plans of nulls would read no index and six of the cases below would fail (checked).
   * `setting` is set on the connection first.
   */
  const genericPlanOf = async (text: string, setting?: string): Promise<{ nodes: PlanNode[]; jit: boolean }> => {
    const connection = await service.prisma.queuePool!.connect();
    try {
      if (setting) await connection.query(`SET ${setting}`);
      await connection.query(`PREPARE plan_test AS ${text}`);
      const { rows: prepared } = await connection.query<{ parameters: number }>(
        `SELECT cardinality(parameter_types) AS parameters FROM pg_prepared_statements WHERE name = 'plan_test'`,
      );
      const nulls = Array<string>(prepared[0].parameters).fill('NULL').join(', ');
      const { rows } = await connection.query<{ 'QUERY PLAN': [{ Plan: PlanNode; JIT?: unknown }] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE plan_test${nulls ? `(${nulls})` : ''}`,
      );
      const [explained] = rows[0]['QUERY PLAN'];
      return { nodes: nodesOf(explained.Plan), jit: explained.JIT !== undefined };
    } finally {
      connection.release(true); // its session holds the prepared statement (and the setting)
    }
  };

  /** Reaches its rows through `index`, and never reads a table whole nor sorts what it read. */
  const expectKeyedPlan = (nodes: PlanNode[], index: string) => {
    expect(nodes.map((node) => node['Index Name'])).toContain(index);
    expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(sortsOfTableRows(nodes)).toEqual([]);
  };

  it.each(QUEUE_STATEMENTS)('keeps a plan for %s that reads by its index, with no sort', async (_, text, index) => {
    const { nodes, jit } = await genericPlanOf(text);
    expectKeyedPlan(nodes, index);
    // Compiled at every run, as the completion was while its sort's price (enable_sort = off) passed
    // jit_above_cost: 1.7 ms of server CPU a job.
    expect(jit).toBe(false);
  });

  /**
   * The completion locks each row as it writes it, so the order it visits them in is the order it locks them in:
   * the ids sorted, as every statement that writes several job rows locks them (no-deadlock.e2e-spec.ts).
   */
  it('walks the completion input in id order, each row by the primary key', async () => {
    const { nodes } = await genericPlanOf(statements.COMPLETE_SQL);
    const [join] = nodes.filter((node) => node['Node Type'] === 'Nested Loop');
    const [outer, inner] = join.Plans!;
    expect(nodesOf(outer).map((node) => node['Node Type'])).toEqual(['Subquery Scan', 'Sort', 'Function Scan']);
    expect(inner).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'processing_jobs_pkey' });
  });

  it('(control) with JIT left on, the completion would be compiled at every run', async () => {
    expect((await genericPlanOf(statements.COMPLETE_SQL, 'jit = on')).jit).toBe(true);
  });

  it('(control) would keep a plan that reads another index whole and sorts, where its own is missing', async () => {
    await service.prisma.queuePool!.query('DROP INDEX processing_jobs_lease_idx');
    const { nodes } = await genericPlanOf(statements.STALLED_SQL);
    expect(() => expectKeyedPlan(nodes, 'processing_jobs_lease_idx')).toThrow();
    expect(sortsOfTableRows(nodes)).not.toEqual([]);
  });

  it('(control) would see the sort come back in the claim without its index', async () => {
    await service.prisma.queuePool!.query('DROP INDEX processing_jobs_claim_idx');
    const { nodes } = await genericPlanOf(CLAIM_SQL);
    expect(() => expectKeyedPlan(nodes, 'processing_jobs_claim_idx')).toThrow();
    expect(sortsOfTableRows(nodes)).not.toEqual([]);
  });
});
