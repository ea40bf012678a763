/**
 * What PostgreSQL spends per job on the burn-down's statements, for the schema we have and for the queue designs
 * issue 14 asks about, with no worker in the way: one connection claims 100 jobs, completes them, and again until
 * the queue is empty; the figure is the server process's CPU (from /proc, so PostgreSQL must run on this machine)
 * and the jobs per second of that serial loop. Every design starts from the same 20,000 queued jobs, the designs
 * alternate round by round, and the table prints the medians.
 *
 *   npm run bench:designs -- [--jobs 20000] [--rounds 3]
 *
 * - current: the product's own claim (CLAIM_SQL) and completion (COMPLETE_SQL) on the migrated schema: the claim
 *   and the completion each write a new version of the 37-column job row with 5 index entries.
 * - queue + record: a narrow queue row (id, priority, due time, lease) beside the record; the claim leases the
 *   queue row and reads the record, the completion deletes the queue row and writes the record's outcome.
 * - queue + outcome: as above, but the completion appends an outcome row instead of rewriting the record, so the
 *   record is written once, at enqueue (a job's status is then derived from the three tables).
 * - queue + HOT record: as queue + record, but the record keeps its status column authoritative and gets no index
 *   on any column the claim or the completion changes (status, lease, start and end times), and room on its pages
 *   (fillfactor 50): its updates are then HOT, a new row version on the same page with no index entry. The finished
 *   jobs' statistics read a narrow log appended at completion instead of the record's indexes. The tallies' triggers
 *   stay on the record, as the product's do.
 * - queue only: graphile-worker's shape, the queue row leased and then deleted, no record kept.
 *
 * The sketches are SQL only: they show what each shape costs the database, not a build of it.
 */
import { Client, Pool } from 'pg';
import { CLAIM_SQL, COMPLETE_SQL } from '../src/job-queue/database/postgres-queue-statements';
import { migratePostgres } from '../src/job-queue/database/migrator';
import { createBenchDatabase } from './lib/databases';
import { processCpuMs } from './lib/process-cpu';
import { median } from './lib/stats';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const JOBS = argument('jobs', 20_000);
const ROUNDS = argument('rounds', 3);
const BATCH = 100;
const LEASE_MS = 30_000;
const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

const SKETCH_TABLES = `
CREATE TABLE job_queue (id text PRIMARY KEY, priority int NOT NULL, created_at timestamptz(3) NOT NULL,
  available_at timestamptz(3) NOT NULL, lease_owner text, lease_expires_at timestamptz(3),
  attempt_count int NOT NULL DEFAULT 0, started_at timestamptz(3));
CREATE INDEX job_queue_claim_idx ON job_queue (priority DESC, created_at, id) WHERE lease_owner IS NULL;
CREATE INDEX job_queue_lease_idx ON job_queue (lease_expires_at) WHERE lease_owner IS NOT NULL;
CREATE TABLE job_outcomes (id text PRIMARY KEY, status text NOT NULL, attempt_count int NOT NULL,
  started_at timestamptz(3), completed_at timestamptz(3) NOT NULL, bytes_processed bigint, extracted_text text,
  metadata jsonb, result jsonb);
CREATE TABLE hot_jobs (LIKE processing_jobs INCLUDING DEFAULTS INCLUDING CONSTRAINTS) WITH (fillfactor = 50);
ALTER TABLE hot_jobs ADD PRIMARY KEY (id);
CREATE INDEX hot_jobs_created_at_id_idx ON hot_jobs (created_at, id);
CREATE INDEX hot_jobs_file_id_idx ON hot_jobs (file_id);
CREATE INDEX hot_jobs_user_id_created_at_idx ON hot_jobs (user_id, created_at) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX hot_jobs_idempotency_key_key ON hot_jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE TRIGGER hot_jobs_counts_after_insert AFTER INSERT ON hot_jobs
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION job_counts_inserted();
CREATE TRIGGER hot_jobs_counts_after_update AFTER UPDATE ON hot_jobs
  REFERENCING OLD TABLE AS before_update NEW TABLE AS after_update FOR EACH STATEMENT EXECUTE FUNCTION job_counts_updated();
CREATE TABLE job_finished (id text NOT NULL, status text NOT NULL, completed_at timestamptz(3) NOT NULL,
  started_at timestamptz(3), created_at timestamptz(3) NOT NULL);
CREATE INDEX job_finished_idx ON job_finished (status, completed_at, started_at, created_at)`;

const QUEUE_CLAIM = `
WITH picked AS (
  SELECT id FROM job_queue WHERE lease_owner IS NULL AND available_at <= now()
   ORDER BY priority DESC, created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
), leased AS (
  UPDATE job_queue AS queued
     SET lease_owner = $1, lease_expires_at = now() + make_interval(secs => $3::double precision / 1000),
         started_at = now(), attempt_count = queued.attempt_count + 1
    FROM picked WHERE queued.id = picked.id
  RETURNING queued.id, queued.attempt_count, queued.started_at
)`;
/** The claim of the record designs: the worker needs the job's input, which the record holds. */
const QUEUE_CLAIM_WITH_RECORD = `${QUEUE_CLAIM}
SELECT job.*, leased.attempt_count AS leased_attempt, leased.started_at AS leased_at
  FROM leased JOIN processing_jobs AS job ON job.id = leased.id`;
const DEQUEUED = `
WITH gone AS (
  DELETE FROM job_queue WHERE id = ANY($2::text[]) AND lease_owner = $1
  RETURNING id, attempt_count, started_at, array_position($2::text[], id) AS ord
)`;

interface Design {
  name: string;
  enqueue: string[];
  claim: string;
  complete: string;
  /** Parameters after (workerId, ids): the completion's per-job values. */
  withResults: boolean;
  /** A table whose updates are meant to be HOT (heap-only: no index entry): the run reports the share that were. */
  hotTable?: string;
}

const recordInsert = (jobs: number, table = 'processing_jobs') => `
INSERT INTO ${table} (id, file_id, file_name, file_size, format, priority, available_at, created_at, updated_at)
SELECT 'j' || lpad(n::text, 8, '0'), 'f', 'a.txt', 10, 'txt', 2, now(), now(), now() FROM generate_series(1, ${jobs}) n`;
const queueInsert = (jobs: number) => `
INSERT INTO job_queue (id, priority, created_at, available_at)
SELECT 'j' || lpad(n::text, 8, '0'), 2, now(), now() FROM generate_series(1, ${jobs}) n`;

const DESIGNS: Design[] = [
  { name: 'current', enqueue: [recordInsert(JOBS)], claim: CLAIM_SQL, complete: COMPLETE_SQL, withResults: true },
  {
    name: 'queue + record',
    enqueue: [recordInsert(JOBS), queueInsert(JOBS)],
    claim: QUEUE_CLAIM_WITH_RECORD,
    complete: `${DEQUEUED}, done AS (
  UPDATE processing_jobs AS job
     SET status = 'COMPLETED', stage = 'COMPLETED', progress = 100, bytes_processed = ($6::bigint[])[gone.ord],
         extracted_text = ($3::text[])[gone.ord], metadata = ($4::jsonb[])[gone.ord], result = ($5::jsonb[])[gone.ord],
         attempt_count = gone.attempt_count, started_at = gone.started_at, completed_at = now(),
         actual_duration = (EXTRACT(EPOCH FROM (now() - gone.started_at)) * 1000)::int, updated_at = now()
    FROM gone WHERE job.id = gone.id
  RETURNING job.id
) SELECT id FROM done`,
    withResults: true,
  },
  {
    name: 'queue + outcome',
    enqueue: [recordInsert(JOBS), queueInsert(JOBS)],
    claim: QUEUE_CLAIM_WITH_RECORD,
    complete: `${DEQUEUED}
INSERT INTO job_outcomes (id, status, attempt_count, started_at, completed_at, bytes_processed, extracted_text,
                          metadata, result)
SELECT id, 'COMPLETED', attempt_count, started_at, now(), ($6::bigint[])[ord], ($3::text[])[ord], ($4::jsonb[])[ord],
       ($5::jsonb[])[ord]
  FROM gone
RETURNING id`,
    withResults: true,
  },
  {
    name: 'queue + HOT record',
    hotTable: 'hot_jobs',
    enqueue: [recordInsert(JOBS, 'hot_jobs'), queueInsert(JOBS)],
    claim: `${QUEUE_CLAIM}, claimed AS (
  UPDATE hot_jobs AS job
     SET status = 'PROCESSING', stage = 'QUEUED', progress = 0, bytes_processed = 0, lease_owner = $1,
         lease_expires_at = now() + make_interval(secs => $3::double precision / 1000), cancel_requested_at = NULL,
         started_at = now(), updated_at = now(), attempt_count = leased.attempt_count
    FROM leased WHERE job.id = leased.id
  RETURNING job.*
) SELECT * FROM claimed`,
    complete: `${DEQUEUED}, done AS (
  UPDATE hot_jobs AS job
     SET status = 'COMPLETED', stage = 'COMPLETED', progress = 100, bytes_processed = ($6::bigint[])[gone.ord],
         extracted_text = ($3::text[])[gone.ord], metadata = ($4::jsonb[])[gone.ord], result = ($5::jsonb[])[gone.ord],
         completed_at = now(), actual_duration = (EXTRACT(EPOCH FROM (now() - gone.started_at)) * 1000)::int,
         lease_expires_at = NULL, updated_at = now()
    FROM gone WHERE job.id = gone.id
  RETURNING job.id, job.status, job.completed_at, job.started_at, job.created_at
), logged AS (
  INSERT INTO job_finished (id, status, completed_at, started_at, created_at)
  SELECT id, status, completed_at, started_at, created_at FROM done
) SELECT id FROM done`,
    withResults: true,
  },
  {
    name: 'queue only',
    enqueue: [queueInsert(JOBS)],
    claim: `${QUEUE_CLAIM} SELECT * FROM leased`,
    complete: `DELETE FROM job_queue WHERE id = ANY($2::text[]) AND lease_owner = $1 RETURNING id`,
    withResults: false,
  },
];

const hotShareOf = (runs: Run[]) =>
  runs[0].hotShare === null ? '–' : `${(median(runs.map((run) => run.hotShare!)) * 100).toFixed(0)} %`;

/** The server process's CPU (ms): read from /proc, so PostgreSQL must run on this machine. */
function cpuMs(pid: number): number {
  const ms = processCpuMs(pid);
  if (ms === null)
    throw new Error(`no /proc/${pid}: the server's CPU is read from /proc, so PostgreSQL must run on this machine`);
  return ms;
}

interface Run {
  enqueueCpuMs: number;
  jobsPerSecond: number;
  cpuUsPerJob: number;
  /** The share of `hotTable`'s updates that were HOT; null for a design without one. */
  hotShare: number | null;
}

async function runDesign(client: Client, pid: number, design: Design): Promise<Run> {
  await client.query(
    'TRUNCATE processing_jobs, job_attempts, stored_files, job_queue, job_outcomes, hot_jobs, job_finished CASCADE',
  );
  await client.query(
    `INSERT INTO stored_files (id, original_name, size, format, checksum, storage_path) VALUES ('f', 'a.txt', 10, 'txt', '-', '-')`,
  );
  let cpuBefore = cpuMs(pid);
  for (const statement of design.enqueue) await client.query(statement);
  const enqueueCpuMs = cpuMs(pid) - cpuBefore;

  const hotBefore = design.hotTable ? await updateCounts(client, design.hotTable) : null;
  cpuBefore = cpuMs(pid);
  const started = performance.now();
  let completed = 0;
  for (;;) {
    const { rows } = await client.query<{ id: string }>({
      name: `${design.name}:claim`,
      text: design.claim,
      values: ['bench-worker', BATCH, LEASE_MS],
    });
    if (rows.length === 0) break;
    const ids = rows.map((row) => row.id);
    const none = ids.map(() => null);
    const values = design.withResults
      ? ['bench-worker', ids, none, none, none, ids.map(() => '10')]
      : ['bench-worker', ids];
    completed += (await client.query({ name: `${design.name}:complete`, text: design.complete, values })).rowCount ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  if (completed !== JOBS) throw new Error(`${design.name}: completed ${completed} of ${JOBS} jobs`);
  const cpuUsPerJob = ((cpuMs(pid) - cpuBefore) * 1000) / JOBS;
  const hotAfter = design.hotTable ? await updateCounts(client, design.hotTable) : null;
  const hotShare =
    hotBefore && hotAfter ? (hotAfter.hot - hotBefore.hot) / Math.max(1, hotAfter.all - hotBefore.all) : null;
  return { enqueueCpuMs, jobsPerSecond: JOBS / seconds, cpuUsPerJob, hotShare };
}

/** A table's updates so far, and how many of them were HOT (no new index entry), as of the last statement. */
async function updateCounts(client: Client, table: string): Promise<{ all: number; hot: number }> {
  await client.query('SELECT pg_stat_force_next_flush()'); // the counts of this connection's own statements
  const { rows } = await client.query<{ all: string; hot: string }>(
    'SELECT n_tup_upd AS all, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relname = $1',
    [table],
  );
  return { all: Number(rows[0].all), hot: Number(rows[0].hot) };
}

async function main(): Promise<void> {
  const database = await createBenchDatabase('postgres', adminUrl, 'designs');
  const pool = new Pool({ connectionString: database.url, max: 1 });
  const client = new Client({ connectionString: database.url });
  try {
    await migratePostgres(pool);
    await client.connect();
    await client.query(SKETCH_TABLES);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const runs = new Map<string, Run[]>(DESIGNS.map((design) => [design.name, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const design of DESIGNS) {
        const run = await runDesign(client, rows[0].pid, design);
        runs.get(design.name)!.push(run);
        const hot = run.hotShare === null ? '' : `, ${(run.hotShare * 100).toFixed(0)} % of record updates HOT`;
        console.log(
          `[round ${round}/${ROUNDS}] ${design.name}: ${Math.round(run.jobsPerSecond)} jobs/s, ${Math.round(run.cpuUsPerJob)} µs of server CPU a job${hot}`,
        );
      }
    }
    const queueOnly = median(runs.get('queue only')!.map((run) => run.cpuUsPerJob));
    console.log(`\n${JOBS.toLocaleString('en-US')} jobs, claims and completions of ${BATCH}, median of ${ROUNDS}:`);
    console.log(
      '| design | enqueue, server CPU (ms) | claim + complete loop (jobs/s) | server CPU a job (µs) | vs queue only | record updates HOT |',
    );
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const design of DESIGNS) {
      const of = runs.get(design.name)!;
      const cpu = median(of.map((run) => run.cpuUsPerJob));
      console.log(
        `| ${design.name} | ${median(of.map((run) => run.enqueueCpuMs))} | ${Math.round(median(of.map((run) => run.jobsPerSecond))).toLocaleString('en-US')} | ${cpu.toFixed(0)} | ${(cpu / queueOnly).toFixed(2)}× | ${hotShareOf(of)} |`,
      );
    }
  } finally {
    await client.end().catch(() => undefined);
    await pool.end();
    await database.drop();
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
