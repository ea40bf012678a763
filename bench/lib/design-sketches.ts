/**
 * The SQL of each queue shape bench/hot-path-designs.ts measures (its header says what each one is): the tables the
 * sketches add beside the migrated schema, and each shape's enqueue, claim and completion.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLAIM_SQL, COMPLETE_SQL } from '../../src/job-queue/database/postgres-queue-statements';

/**
 * The statement trigger that tallied the product's updates until migration 20261207100000_tallies_by_the_queue (the
 * queue's statements now tally their own moves), kept for the sketches' narrow rows, whose statements do not: its
 * function as migration 20261129020000_job_counts created it, under a name of the sketches'.
 */
const SKETCH_UPDATE_TALLIES = (() => {
  const migration = readFileSync(
    path.join(__dirname, '../../prisma/postgresql/migrations/20261129020000_job_counts/migration.sql'),
    'utf8',
  );
  const created = /CREATE FUNCTION "job_counts_updated"\(\)[\s\S]*?END \$\$;/.exec(migration);
  if (!created) throw new Error('job_counts_updated() not found in migration 20261129020000_job_counts');
  return created[0].replace('"job_counts_updated"', 'sketch_counts_updated');
})();

/** The tallies' triggers (the product's, migration 20261129020000_job_counts, for inserts and deletes) on `table`. */
const TALLY_TRIGGER = {
  insert: (table: string) => `CREATE TRIGGER ${table}_after_insert AFTER INSERT ON ${table}
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION job_counts_inserted();`,
  update: (table: string) => `CREATE TRIGGER ${table}_after_update AFTER UPDATE ON ${table}
  REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update
  FOR EACH STATEMENT EXECUTE FUNCTION sketch_counts_updated();`,
  delete: (table: string) => `CREATE TRIGGER ${table}_after_delete AFTER DELETE ON ${table}
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION job_counts_deleted();`,
};
/** A queue table's tallies: rows arrive, change status (PENDING to PROCESSING) and leave. */
const talliedQueue = (table: string) =>
  [TALLY_TRIGGER.insert(table), TALLY_TRIGGER.update(table), TALLY_TRIGGER.delete(table)].join('\n');

/**
 * Ids and codes are COLLATE "C" here too, as in the product's tables since migration 20261207000000_byte_order_keys
 * (a comparison in the database's collation costs more), so that the shapes differ only in their shape.
 */
export const SKETCH_TABLES = `${SKETCH_UPDATE_TALLIES}
CREATE TABLE job_queue (id text COLLATE "C" PRIMARY KEY, format text COLLATE "C" NOT NULL, priority int NOT NULL,
  created_at timestamptz(3) NOT NULL, available_at timestamptz(3) NOT NULL, lease_owner text COLLATE "C",
  lease_expires_at timestamptz(3), attempt_count int NOT NULL DEFAULT 0, started_at timestamptz(3));
CREATE INDEX job_queue_claim_idx ON job_queue (priority DESC, created_at, id) WHERE lease_owner IS NULL;
CREATE INDEX job_queue_lease_idx ON job_queue (lease_expires_at) WHERE lease_owner IS NOT NULL;
CREATE TABLE job_outcomes (id text COLLATE "C" PRIMARY KEY, status text COLLATE "C" NOT NULL,
  format text COLLATE "C" NOT NULL, priority int NOT NULL,
  attempt_count int NOT NULL, started_at timestamptz(3), completed_at timestamptz(3) NOT NULL, bytes_processed bigint,
  extracted_text text, metadata jsonb, result jsonb);
-- queue + outcome, tallied: the record (a copy of the product's, written once, at enqueue) and the narrow rows,
-- whose triggers keep the tallies.
CREATE TABLE untallied_jobs (LIKE job_records INCLUDING ALL);
CREATE TABLE tallied_queue (LIKE job_queue INCLUDING ALL,
  status text COLLATE "C"
    GENERATED ALWAYS AS (CASE WHEN lease_owner IS NULL THEN 'PENDING' ELSE 'PROCESSING' END) STORED);
CREATE TABLE tallied_outcomes (LIKE job_outcomes INCLUDING ALL);
${talliedQueue('tallied_queue')}
${TALLY_TRIGGER.insert('tallied_outcomes')}
-- queue + outcome, as planned: the tallied shape with the indexes its readers would need (the listing by status on
-- both narrow tables; on the outcomes, the finished jobs' statistics and the input failures).
CREATE TABLE planned_jobs (LIKE job_records INCLUDING ALL);
CREATE TABLE planned_queue (LIKE tallied_queue INCLUDING ALL);
CREATE INDEX planned_queue_listing_idx ON planned_queue (status, created_at, id);
CREATE TABLE planned_outcomes (LIKE job_outcomes INCLUDING ALL, created_at timestamptz(3) NOT NULL,
  error_code text COLLATE "C");
CREATE INDEX planned_outcomes_listing_idx ON planned_outcomes (status, created_at, id);
CREATE INDEX planned_outcomes_finished_idx ON planned_outcomes (status, completed_at, started_at, created_at);
CREATE INDEX planned_outcomes_failed_idx ON planned_outcomes (error_code) WHERE status = 'FAILED';
${talliedQueue('planned_queue')}
${TALLY_TRIGGER.insert('planned_outcomes')}`;

const sketchTables = [...SKETCH_TABLES.matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]);
/**
 * Before a shape runs: the product's tables and every sketch's (named by SKETCH_TABLES itself) emptied, and the one
 * stored file every sketch's jobs refer to (the records' file_id 'f') put back. Several statements: a simple query.
 */
export const FRESH_TABLES = `
TRUNCATE job_records, job_states, job_attempts, stored_files, job_counts, ${sketchTables.join(', ')} CASCADE;
INSERT INTO stored_files (id, original_name, size, format, checksum, storage_path)
VALUES ('f', 'a.txt', 10, 'txt', '-', '-')`;

const queueClaim = (queue = 'job_queue') => `
WITH picked AS (
  SELECT id FROM ${queue} WHERE lease_owner IS NULL AND available_at <= now()
   ORDER BY priority DESC, created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
), leased AS (
  UPDATE ${queue} AS queued
     SET lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
         started_at = now(), attempt_count = queued.attempt_count + 1
    FROM picked WHERE queued.id = picked.id
  RETURNING queued.id, queued.attempt_count, queued.started_at
)`;
/** The claim of the record designs: the worker needs the job's input, which the record holds. */
const queueClaimWithRecord = (queue = 'job_queue', record = 'job_records') => `${queueClaim(queue)}
SELECT job.*, leased.attempt_count AS leased_attempt, leased.started_at AS leased_at
  FROM leased JOIN ${record} AS job ON job.id = leased.id`;
const dequeued = (queue = 'job_queue') => `
WITH gone AS (
  DELETE FROM ${queue} WHERE id = ANY($2::text[]) AND lease_owner = $1
  RETURNING id, format, priority, attempt_count, started_at, created_at, array_position($2::text[], id) AS ord
)`;
/**
 * The outcome row appended by the completion of the queue + outcome designs (`withCreatedAt`: the planned shape's
 * outcomes keep the job's creation time, which their listing index is ordered by).
 */
const outcomeInsert = (outcomes = 'job_outcomes', withCreatedAt = false) => `
INSERT INTO ${outcomes} (id, status, format, priority, attempt_count, started_at, completed_at, bytes_processed,
                         extracted_text, metadata, result${withCreatedAt ? ', created_at' : ''})
SELECT id, 'COMPLETED', format, priority, attempt_count, started_at, now(), ($6::bigint[])[ord], ($3::text[])[ord],
       ($4::jsonb[])[ord], ($5::jsonb[])[ord]${withCreatedAt ? ', created_at' : ''}
  FROM gone
RETURNING id`;

/** graphile-worker's shape, the baseline the table compares each design with. */
export const QUEUE_ONLY = 'queue only';

export interface Design {
  name: string;
  enqueue: string[];
  claim: string;
  complete: string;
  /** Parameters after (workerId, ids): the completion's per-job values. */
  withResults: boolean;
  /** The completion also takes each job's attempt (after its values), as the product's does (Completion.attempt). */
  matchesAttempts?: boolean;
  /** Keeps the tallies of jobs by status exact (as the product does): checked after the run. */
  keepsTallies: boolean;
}

/**
 * The completion's parameters for the claimed `ids`, as `design` takes them: the worker, the ids, then (withResults)
 * each job's extracted text, metadata and result (none) and bytes processed, then (matchesAttempts) its attempt, the
 * first for every job here.
 */
export function completionValues(design: Design, workerId: string, ids: string[]): unknown[] {
  if (!design.withResults) return [workerId, ids];
  const none = ids.map(() => null);
  const values: unknown[] = [workerId, ids, none, none, none, ids.map(() => '10')];
  if (design.matchesAttempts) values.push(ids.map(() => 1));
  return values;
}

const recordInsert = (jobs: number, table = 'job_records') => `
INSERT INTO ${table} (id, file_id, file_name, file_size, format, priority, created_at)
SELECT 'j' || lpad(n::text, 8, '0'), 'f', 'a.txt', 10, 'txt', 2, now() FROM generate_series(1, ${jobs}) n`;
/** The product's job states beside its records (migration 20261206100000_job_state_apart). */
const stateInsert = (jobs: number) => `
INSERT INTO job_states (id, format, priority, created_at, available_at, updated_at)
SELECT 'j' || lpad(n::text, 8, '0'), 'txt', 2, now(), now(), now() FROM generate_series(1, ${jobs}) n`;
/** The product's queue of `jobs` jobs, each a record and its state, as the current shape and its parts start from. */
export const productQueue = (jobs: number): string[] => [recordInsert(jobs), stateInsert(jobs)];
const queueInsert = (jobs: number, queue = 'job_queue') => `
INSERT INTO ${queue} (id, format, priority, created_at, available_at)
SELECT 'j' || lpad(n::text, 8, '0'), 'txt', 2, now(), now() FROM generate_series(1, ${jobs}) n`;

/** Every shape, filled with `jobs` queued jobs. */
export const designs = (jobs: number): Design[] => [
  {
    name: 'current',
    enqueue: productQueue(jobs),
    claim: CLAIM_SQL,
    complete: COMPLETE_SQL,
    withResults: true,
    matchesAttempts: true,
    keepsTallies: true,
  },
  {
    name: 'queue + outcome',
    enqueue: [recordInsert(jobs), queueInsert(jobs)],
    claim: queueClaimWithRecord(),
    complete: `${dequeued()}${outcomeInsert()}`,
    withResults: true,
    keepsTallies: false,
  },
  {
    name: 'queue + outcome, tallied',
    enqueue: [recordInsert(jobs, 'untallied_jobs'), queueInsert(jobs, 'tallied_queue')],
    claim: queueClaimWithRecord('tallied_queue', 'untallied_jobs'),
    complete: `${dequeued('tallied_queue')}${outcomeInsert('tallied_outcomes')}`,
    withResults: true,
    keepsTallies: true,
  },
  {
    name: 'queue + outcome, as planned',
    enqueue: [recordInsert(jobs, 'planned_jobs'), queueInsert(jobs, 'planned_queue')],
    claim: queueClaimWithRecord('planned_queue', 'planned_jobs'),
    complete: `${dequeued('planned_queue')}${outcomeInsert('planned_outcomes', true)}`,
    withResults: true,
    keepsTallies: true,
  },
  {
    name: QUEUE_ONLY,
    enqueue: [queueInsert(jobs)],
    claim: `${queueClaim()} SELECT * FROM leased`,
    complete: `DELETE FROM job_queue WHERE id = ANY($2::text[]) AND lease_owner = $1 RETURNING id`,
    withResults: false,
    keepsTallies: false,
  },
];
