import type { Pool } from 'pg';
import * as statements from '../../src/job-queue/database/postgres-queue-statements';
import { INSERT_KEYED_SQL, INSERT_UNKEYED_SQL } from '../../src/job-queue/database/postgres-insert-statement';
import { SETTLE_SQL } from '../../src/job-queue/database/postgres-settle-statement';

/**
 * Every statement the queue's connections run, and the index each must reach its rows by. Those connections plan a
 * statement once and keep the generic plan (plan_cache_mode = force_generic_plan): a plan that reads a whole table
 * would then be the one used at every run, whatever the values.
 */
export const QUEUE_STATEMENTS: [name: string, text: string, index: string][] = [
  ['claim', statements.CLAIM_SQL, 'job_states_claim_idx'],
  ['complete', statements.COMPLETE_SQL, 'job_states_pkey'],
  ['settle', SETTLE_SQL, 'job_states_pkey'],
  ['renew-leases', statements.RENEW_SQL, 'job_states_pkey'],
  ['save-progress', statements.SAVE_PROGRESS_SQL, 'job_states_pkey'],
  ['save-extraction', statements.SAVE_EXTRACTION_SQL, 'job_states_pkey'],
  ['find-jobs', statements.FIND_JOBS_SQL, 'job_records_pkey'],
  ['jobs-by-keys', statements.BY_KEYS_SQL, 'job_records_idempotency_key_key'],
  ['find-stalled', statements.STALLED_SQL, 'job_states_lease_idx'],
  ['next-due', statements.MS_UNTIL_NEXT_DUE_SQL, 'job_states_due_idx'],
  ['delete-finished', statements.DELETE_FINISHED_SQL, 'job_states_finished_idx'],
  ['delete-unused-files', statements.DELETE_UNUSED_FILES_SQL, 'job_records_file_id_idx'],
  ['lock-files', statements.LOCK_FILES_SQL, 'stored_files_pkey'],
  ['find-files', statements.FIND_FILES_SQL, 'stored_files_pkey'],
  ['insert-keyed', INSERT_KEYED_SQL, 'stored_files_pkey'],
  ['insert-unkeyed', INSERT_UNKEYED_SQL, 'stored_files_pkey'],
];

/**
 * The statements that write several held jobs by walking their input in id order, each row by the primary key, and
 * locking each as they write it (postgres-queue-statements.ts, heldJobsInIdOrder): the order they visit the rows in
 * is the order they lock them in.
 */
export const WALKING_STATEMENTS: [name: string, text: string][] = [
  ['complete', statements.COMPLETE_SQL],
  ['renew-leases', statements.RENEW_SQL],
  ['save-progress', statements.SAVE_PROGRESS_SQL],
];

export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

export const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** Sorts of rows read from a table; a sort of the statement's own input (COMPLETE_SQL's ids) reads none. */
export const sortsOfTableRows = (nodes: PlanNode[]) =>
  nodes.filter(
    (node) => node['Node Type'] === 'Sort' && nodesOf(node).some((below) => below['Relation Name'] !== undefined),
  );

/**
 * Visits the rows in the order of its sorted input: a nested loop with the input's sort outside and the primary key
 * inside. lock-order.spec.ts checks the order itself, on three rows; no-deadlock.e2e-spec.ts what a wrong one did.
 */
export const expectWalkInIdOrder = (nodes: PlanNode[]) => {
  const [join] = nodes.filter((node) => node['Node Type'] === 'Nested Loop');
  const [outer, inner] = join.Plans!;
  expect(nodesOf(outer).map((node) => node['Node Type'])).toEqual(['Subquery Scan', 'Sort', 'Function Scan']);
  expect(inner).toMatchObject({ 'Node Type': 'Index Scan', 'Index Name': 'job_states_pkey' });
};

/**
 * The plan a queue connection keeps for `text`: prepared there, explained with every parameter null, and whether
 * PostgreSQL would compile it at every run (JIT). The values do not matter to a generic plan; were the connection
 * to plan each run (`auto`), the plans of nulls would read no index and six of the cases of claim-plan.spec.ts would fail (checked).
 * `setting` is set on the connection first.
 */
export const genericPlanOf = async (
  pool: Pool,
  text: string,
  setting?: string,
): Promise<{ nodes: PlanNode[]; jit: boolean }> => {
  const connection = await pool.connect();
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
export const expectKeyedPlan = (nodes: PlanNode[], index: string) => {
  expect(nodes.map((node) => node['Index Name'])).toContain(index);
  expect(nodes.map((node) => node['Node Type'])).not.toContain('Seq Scan');
  expect(sortsOfTableRows(nodes)).toEqual([]);
};
