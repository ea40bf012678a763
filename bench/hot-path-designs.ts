/**
 * What PostgreSQL spends per job on the burn-down's statements, for the schema we have and for the queue designs
 * issue 14 asks about, with no worker in the way: one connection claims a batch of jobs, completes them, and again
 * until the queue is empty; the figure is the server process's CPU (from /proc, so PostgreSQL must run on this machine)
 * and the jobs per second of that serial loop. Every design starts from the same 20,000 queued jobs, the designs
 * alternate round by round, and the table prints the medians. The connection is set as the product's queue
 * connections are (QUEUE_CONNECTION_OPTIONS: keyed and ordered plans only, each statement planned once).
 *
 *   npm run bench:designs -- [--jobs 20000] [--rounds 3] [--batch 100] [--designs 'current|queue only']
 *
 * `--batch` is the jobs a claim and a completion carry. Each statement costs the server a fixed part besides its
 * jobs' (bench/RESULTS.md measures it by shape): small where statements are large, as the burn-down's are (~150 jobs
 * each), and most of the cost where jobs come one at a time.
 *
 * - current: the product's own claim (CLAIM_SQL) and completion (COMPLETE_SQL) on the migrated schema: each writes a
 *   new version of the job's state row (job_states, apart from its record since migration
 *   20261206100000_job_state_apart) with 2 index entries (3 until 20261206140000_state_status_index_dropped), and
 *   adds its moves to the tallies itself (a statement trigger did until 20261207100000_tallies_by_the_queue).
 *   (The shapes measured against the record written at every step, "queue + record" and "queue + HOT record", are in
 *   bench/RESULTS.md; they ran on the schema before it.)
 * - queue + outcome: a narrow queue row (id, format, priority, due time, lease) beside the record; the claim leases
 *   the queue row and reads the record, the completion deletes the queue row and appends an outcome row, so the
 *   record is written once, at enqueue (a job's status is then derived from the three tables).
 * - queue + outcome, tallied: as above, with the tallies of jobs by status, format and priority kept exact by the
 *   product's statement trigger functions on the narrow rows (the update's as the product had it until migration
 *   20261207100000_tallies_by_the_queue; the queue row's status, PENDING or PROCESSING, is a stored generated column):
 *   what the shape costs once statistics read it as they read today's schema.
 * - queue + outcome, as planned: as above, with the indexes the readers of that shape would need, each written by the
 *   claim or the completion: the listing by status on the queue rows and on the outcome rows, and on the outcome rows
 *   the finished jobs' statistics (status, completed_at, started_at, created_at) and the input failures (error_code of
 *   FAILED ones). The figure to build the record written once against.
 * - queue only: graphile-worker's shape, the queue row leased and then deleted, no record kept.
 * - the parts of `current` (bench/lib/statement-parts.ts): its claim with a completion that writes nothing ("claim
 *   alone"), the claim's row update alone ("bare claim alone"), and that bare claim with the job's state deleted
 *   ("bare claim, deleted") or completed by the product's completion without its tallies ("bare claim, completed
 *   untallied"): what each piece of the product's two statements costs.
 *
 * The server's CPU is read in clock ticks (10 ms): at 20,000 jobs a figure moves in steps of 0.5 µs a job.
 * The sketches are SQL only (bench/lib/design-sketches.ts): they show what each shape costs the database, not a
 * build of it. The shapes that keep tallies are checked to end with exactly every job COMPLETED.
 */
import { Client, Pool } from 'pg';
import { migratePostgres } from '../src/job-queue/database/migrator';
import { QUEUE_CONNECTION_OPTIONS } from '../src/job-queue/database/postgres/postgres-connection';
import { createBenchDatabase } from './lib/databases';
import { completionValues, type Design, designs, FRESH_TABLES, QUEUE_ONLY, SKETCH_TABLES } from './lib/design-sketches';
import { statementParts } from './lib/statement-parts';
import { countOption, listOption } from './lib/options';
import { processCpuMs } from './lib/process-cpu';
import { median } from './lib/stats';

const JOBS = countOption(process.argv, 'jobs', 20_000);
const ROUNDS = countOption(process.argv, 'rounds', 3);
const BATCH = countOption(process.argv, 'batch', 100);
const LEASE_MS = 30_000;
const ALL_DESIGNS = [...designs(JOBS), ...statementParts(JOBS)];
const CHOSEN: string[] = listOption(
  process.argv,
  'designs',
  ALL_DESIGNS.map((design) => design.name),
  '|',
);
const DESIGNS = ALL_DESIGNS.filter((design) => CHOSEN.includes(design.name));
/** What the table compares each design with: graphile-worker's shape where it ran, else the last design chosen. */
const BASELINE = (DESIGNS.find((design) => design.name === QUEUE_ONLY) ?? DESIGNS.at(-1)!).name;
const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

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
}

async function runDesign(client: Client, pid: number, design: Design): Promise<Run> {
  await client.query(FRESH_TABLES);
  let cpuBefore = cpuMs(pid);
  for (const statement of design.enqueue) await client.query(statement);
  const enqueueCpuMs = cpuMs(pid) - cpuBefore;

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
    const values = completionValues(
      design,
      'bench-worker',
      rows.map((row) => row.id),
    );
    completed += (await client.query({ name: `${design.name}:complete`, text: design.complete, values })).rowCount ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  if (completed !== JOBS) throw new Error(`${design.name}: completed ${completed} of ${JOBS} jobs`);
  const cpuUsPerJob = ((cpuMs(pid) - cpuBefore) * 1000) / JOBS;
  if (design.keepsTallies) await checkTallies(client, design.name); // after the CPU is read: not the shape's cost
  return { enqueueCpuMs, jobsPerSecond: JOBS / seconds, cpuUsPerJob };
}

/** The tallies of a design that keeps them say what the run did: every job COMPLETED, no other status left. */
async function checkTallies(client: Client, design: string): Promise<void> {
  const { rows } = await client.query<{ status: string; count: string }>(
    'SELECT status, sum(count)::text AS count FROM job_counts GROUP BY status HAVING sum(count) <> 0',
  );
  const tallies = rows.map((row) => `${row.status} ${row.count}`).join(', ');
  if (tallies !== `COMPLETED ${JOBS}`) throw new Error(`${design}: tallies say ${tallies}, not COMPLETED ${JOBS}`);
}

async function main(): Promise<void> {
  const database = await createBenchDatabase('postgres', adminUrl, 'designs');
  const pool = new Pool({ connectionString: database.url, max: 1 });
  const client = new Client({ connectionString: database.url, options: QUEUE_CONNECTION_OPTIONS });
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
        console.log(
          `[round ${round}/${ROUNDS}] ${design.name}: ${Math.round(run.jobsPerSecond)} jobs/s, ${Math.round(run.cpuUsPerJob)} µs of server CPU a job`,
        );
      }
    }
    const baseline = median(runs.get(BASELINE)!.map((run) => run.cpuUsPerJob));
    console.log(`\n${JOBS.toLocaleString('en-US')} jobs, claims and completions of ${BATCH}, median of ${ROUNDS}:`);
    console.log(
      `| design | enqueue, server CPU (ms) | claim + complete loop (jobs/s) | server CPU a job (µs) | vs ${BASELINE} |`,
    );
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const design of DESIGNS) {
      const of = runs.get(design.name)!;
      const cpu = median(of.map((run) => run.cpuUsPerJob));
      console.log(
        `| ${design.name} | ${median(of.map((run) => run.enqueueCpuMs))} | ${Math.round(median(of.map((run) => run.jobsPerSecond))).toLocaleString('en-US')} | ${cpu.toFixed(1)} | ${(cpu / baseline).toFixed(2)}× |`,
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
