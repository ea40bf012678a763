/** Command-line options of `npm run bench` (see bench/RESULTS.md for what each scenario measures). */
export const SCENARIOS = ['enqueue', 'burndown', 'latency', 'stats', 'fanout', 'subscribers'] as const;
export type Scenario = (typeof SCENARIOS)[number];
export const SYSTEMS = ['ours', 'graphile-worker', 'pg-boss'] as const;
export type SystemName = (typeof SYSTEMS)[number];
export type DbKind = 'sqlite' | 'postgres';

export interface BenchOptions {
  quick: boolean;
  runs: number;
  /** Jobs per enqueue / burn-down run. */
  jobs: number;
  /** Rows in the table for the jobStats / jobs(first: 20) scenario. */
  statsRows: number;
  /** Single enqueues of the latency scenario, and the gap between them. */
  latencyJobs: number;
  latencyGapMs: number;
  subscribers: number;
  /** jobUpdated subscribers of the "burn-down with subscribers" scenario. */
  updateSubscribers: number;
  /** Run those subscribers' process at normal priority instead of the lowest (`--subscribers-same-priority`). */
  subscribersSamePriority: boolean;
  scenarios: Scenario[];
  systems: SystemName[];
  databases: DbKind[];
  postgresUrl: string;
  /** Rewrite the table block of bench/RESULTS.md with this run's figures. */
  updateResults: boolean;
  /** Our 1-instance burn-down once more with the workers traced (OpenTelemetry SDK, in-memory exporter). */
  tracing: boolean;
  /** Run everything on this process's Node, provisioning none (`--machine-node`; the peers need Node ≥ 22.18). */
  machineNode: boolean;
  /**
   * The burndown scenario ANALYZEs each PostgreSQL database once it is filled (`--analyze`), as autovacuum would a
   * while after a bulk fill: without it every system starts on a table the planner has no statistics of.
   */
  analyze: boolean;
}

const usage = `Usage: npm run bench -- [--quick] [--only ${SCENARIOS.join(',')}] [--systems ${SYSTEMS.join(',')}]
                      [--db sqlite,postgres] [--runs N] [--jobs N] [--stats-rows N] [--update-subscribers N]
                      [--subscribers-same-priority] [--tracing] [--update-results] [--machine-node] [--analyze]
PostgreSQL: BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); scratch databases are named bench_*.
On a Node older than 22.18 the PostgreSQL figures (every system) run under a Node 22 that the bench installs from
the npm registry into bench/.node, and ours on SQLite under this Node; --machine-node runs all here (ours only).
--analyze: the burndown scenario ANALYZEs each PostgreSQL database after its fill, before the workers start.`;

export function parseOptions(argv: string[]): BenchOptions {
  const list = <T extends string>(name: string, allowed: readonly T[]) => listOption(argv, name, allowed, ',', fail);
  const count = (name: string, fallback: number) => countOption(argv, name, fallback, fail);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  const quick = argv.includes('--quick');
  return {
    quick,
    runs: count('runs', quick ? 1 : 3),
    jobs: count('jobs', quick ? 2_000 : 20_000),
    statsRows: count('stats-rows', quick ? 100_000 : 1_000_000),
    latencyJobs: 200,
    latencyGapMs: 20,
    subscribers: 100,
    updateSubscribers: count('update-subscribers', 200),
    subscribersSamePriority: argv.includes('--subscribers-same-priority'),
    scenarios: list('only', SCENARIOS),
    systems: list('systems', SYSTEMS),
    databases: list('db', ['sqlite', 'postgres'] as const),
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    updateResults: argv.includes('--update-results'),
    machineNode: argv.includes('--machine-node'),
    tracing: argv.includes('--tracing'),
    analyze: argv.includes('--analyze'),
  };
}

/** Says what is wrong with the command line, then the usage, and exits 2. */
function fail(message: string): never {
  exitWith(`${message}\n${usage}`);
}

/** Says what is wrong with the command line and exits 2. */
function exitWith(message: string): never {
  console.error(message);
  process.exit(2);
}

/** The value after `--name`; undefined when the option is absent. */
function optionValue(argv: string[], name: string, onError: (message: string) => never): string | undefined {
  const index = argv.indexOf(`--${name}`);
  if (index < 0) return undefined;
  const next = argv[index + 1];
  if (next === undefined || next.startsWith('--')) onError(`--${name} needs a value`);
  return next;
}

/**
 * `--name a,b`: items of `allowed` split at `separator` (a `|` where the items hold commas), or every one of `allowed`
 * when the option is absent; an item not allowed is an error naming it and the choices.
 */
export function listOption<T extends string>(
  argv: string[],
  name: string,
  allowed: readonly T[],
  separator = ',',
  onError: (message: string) => never = exitWith,
): T[] {
  const raw = optionValue(argv, name, onError);
  if (raw === undefined) return [...allowed];
  const items = raw.split(separator).map((item) => item.trim()) as T[];
  const unknown = items.filter((item) => !allowed.includes(item));
  const shown = (names: readonly string[]) => names.join(separator === ',' ? ', ' : ` ${separator} `);
  if (unknown.length > 0) onError(`unknown ${name}: ${shown(unknown)} (choose from ${shown(allowed)})`);
  return items;
}

/** `--name N`, a positive integer, or `fallback` when the option is absent (also for the bench's other tools). */
export function countOption(
  argv: string[],
  name: string,
  fallback: number,
  onError: (message: string) => never = exitWith,
): number {
  const raw = optionValue(argv, name, onError);
  if (raw === undefined) return fallback;
  const parsed = Number(raw);
  if (!Number.isInteger(parsed) || parsed < 1) onError(`--${name} must be a positive integer, got ${raw}`);
  return parsed;
}

/**
 * Set by ChildWorker for `--tracing`'s traced burn-down: the worker process registers the SDK (lib/tracing.ts). Here,
 * not there, so that a worker without tracing never loads the SDK (nor that file's database clients): every worker,
 * the peers' included, would otherwise carry them in its peak RSS.
 */
export const TRACING_ENV = 'BENCH_TRACING';
