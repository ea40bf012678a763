/**
 * The benchmark harness: `npm run bench` (full: 3 runs, 20,000 jobs, 1,000,000 rows; about 11 minutes) or
 * `npm run bench -- --quick` (1 run, 2,000 jobs, 100,000 rows). `--help` lists the options; bench/RESULTS.md
 * explains the scenarios and holds the latest figures. Not part of `npm test` or CI. On a Node older than the peers
 * need, it runs itself again under a provisioned Node 22 for the PostgreSQL figures (bench/lib/launcher.ts).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { killChildWorkers } from './lib/child-worker';
import { transpileHarness } from './lib/compiled-harness';
import { ensureCompiledProduct } from './lib/compiled-product';
import { type BenchDatabase, dropAllBenchDatabases, dropStaleBenchDatabases, withBenchDatabase } from './lib/databases';
import { needsParts, partRequest, runInParts, stopPart } from './lib/launcher';
import { machineInfo } from './lib/machine';
import { type BenchOptions, type DbKind, parseOptions, type SystemName } from './lib/options';
import { installPeers, nodeRunsPeers } from './lib/provision';
import {
  type BenchReport,
  type Column,
  type FigureId,
  markdownDetails,
  markdownTable,
  record,
  writeReport,
} from './lib/report';
import { loadAdapter, type QueueAdapter } from './lib/systems';
import { splitWarmUp } from './lib/warm-up';
import { measureFanout } from './scenarios/fanout';
import { measureQueries } from './scenarios/queries';
import { measureSubscribedBurnDown } from './scenarios/subscribers';
import { measureBurnDown, measureEnqueue, measureLatency } from './scenarios/throughput';

const part = partRequest();
const began = part?.began ?? Date.now();
const log = (message: string) => console.log(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}`);
const rate = (value: number) => `${Math.round(value).toLocaleString('en-US')} jobs/s`;

async function main(): Promise<void> {
  const options = part?.options ?? parseOptions(process.argv.slice(2));
  const report: BenchReport = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    startedAt: new Date(began).toISOString(),
    durationSeconds: 0,
    options,
    machine: await machineInfo(options.postgresUrl),
    systems: {},
    runs: {},
    notes: [],
  };
  if (part) {
    await measure(options, report);
    writeFileSync(part.output, JSON.stringify(report));
    return;
  }
  const stale = await dropStaleBenchDatabases(options.postgresUrl).catch(() => []);
  if (stale.length > 0) log(`dropped ${stale.length} bench database(s) left by earlier runs`);
  log(
    `transpiled the bench's files into bench/.build for the processes it forks in ${transpileHarness().toFixed(1)} s`,
  );
  if (options.systems.includes('ours')) {
    const seconds = ensureCompiledProduct();
    if (seconds) log(`compiled the product into dist/ for our worker processes in ${seconds.toFixed(1)} s`);
  }
  if (needsParts(options)) {
    await runInParts(options, report, (here) => measure(here, report), log);
  } else {
    const peers = options.systems.some((system) => system !== 'ours') && options.databases.includes('postgres');
    if (peers && !nodeRunsPeers()) {
      throw new Error(
        `the peers need Node >= 22.18 (this is ${process.version}): without --machine-node the bench provisions one`,
      );
    }
    if (peers) {
      const seconds = installPeers(process.execPath);
      if (seconds) log(`installed the peers into bench/peers/node_modules in ${seconds.toFixed(1)} s`);
    }
    await measure(options, report);
  }
  report.durationSeconds = (Date.now() - began) / 1000;
  console.log(`\n${markdownTable(report)}\n\n${markdownDetails(report)}\n`);
  for (const file of writeReport(report, __dirname)) log(`wrote ${path.relative(process.cwd(), file)}`);
}

/** The burn-down's figures at one and at two instances. */
const BURN_DOWN_FIGURES = {
  1: {
    rate: 'burndown1',
    workerCpu: 'workerCpuPerJob',
    workerFirstJobs: 'workerFirstJobs',
    workerLaterCpu: 'workerLaterCpuPerJob',
    postgresCpu: 'postgresCpuPerJob',
  },
  2: {
    rate: 'burndown2',
    workerCpu: 'workerCpuPerJob2',
    workerFirstJobs: 'workerFirstJobs2',
    workerLaterCpu: 'workerLaterCpuPerJob2',
    postgresCpu: 'postgresCpuPerJob2',
  },
} as const satisfies Record<1 | 2, Record<string, FigureId>>;

/** Every scenario asked for, on this process's Node; the figures go into `report`. */
async function measure(options: BenchOptions, report: BenchReport): Promise<void> {
  const has = (scenario: (typeof options.scenarios)[number]) => options.scenarios.includes(scenario);
  const adapters = new Map<SystemName, QueueAdapter>();
  for (const system of options.systems) {
    const adapter = await loadAdapter(system);
    adapters.set(system, adapter);
    report.systems[system] = { version: adapter.version, settings: adapter.settings };
  }
  // Ours on each database; the peers need PostgreSQL.
  const targets = options.systems.flatMap((system) =>
    (system === 'ours' ? options.databases : options.databases.filter((kind) => kind === 'postgres')).map((kind) => ({
      system,
      kind,
    })),
  );
  log(
    `${options.runs} run(s), ${options.jobs} jobs; ${targets.map(({ system, kind }) => `${system}/${kind}`).join(', ')}; ${options.scenarios.join(', ')}`,
  );

  for (let run = 1; run <= options.runs; run++) {
    for (const { system, kind } of targets) {
      const adapter = adapters.get(system)!;
      const column: Column = `${system}/${kind}`;
      const label = `[run ${run}/${options.runs}] ${column}`;
      const fresh = <T>(scenario: string, work: (db: BenchDatabase) => Promise<T>) =>
        withBenchDatabase(kind, options.postgresUrl, `${system.slice(0, 4)}_${scenario}`, work);
      if (has('enqueue')) {
        const { jobsPerSecond } = await fresh('enqueue', (db) => measureEnqueue(adapter, db, options.jobs));
        record(report, 'enqueue', column, jobsPerSecond);
        log(`${label} bulk enqueue: ${rate(jobsPerSecond)}`);
      }
      if (has('burndown')) {
        for (const instances of [1, 2] as const) {
          const figures = BURN_DOWN_FIGURES[instances];
          const result = await fresh(`burn${instances}`, (db) =>
            measureBurnDown(system, adapter, db, options.jobs, instances, { analyzed: options.analyze }),
          );
          record(report, figures.rate, column, result.jobsPerSecond);
          if (instances === 1) record(report, 'peakRss', column, result.peakRssMb[0]);
          // Per job of the run: both workers' CPU at two instances, each process's from go to stop.
          const perJob = (ms: number) => (ms * 1000) / options.jobs;
          record(report, figures.workerCpu, column, perJob(result.cpuMs.reduce((sum, ms) => sum + ms, 0)));
          const warmUp = splitWarmUp(result.cpuAtThousands);
          if (warmUp) {
            record(report, figures.workerFirstJobs, column, warmUp.firstJobsMs);
            record(report, figures.workerLaterCpu, column, warmUp.laterUsPerJob);
          }
          const { postgresCpu } = result;
          if (postgresCpu) record(report, figures.postgresCpu, column, perJob(postgresCpu.totalMs));
          const postgresCpuText = postgresCpu
            ? `; PostgreSQL CPU ${postgresCpu.totalMs} ms, by process ${postgresCpu.byProcessMs.join(' + ')}`
            : '';
          log(
            `${label} burn-down ×${instances}: ${rate(result.jobsPerSecond)} (jobs per instance ${result.jobsPerInstance.join(' + ')}; peak RSS ${result.peakRssMb.map((mb) => `${Math.round(mb)} MB`).join(', ')}; worker CPU ${result.cpuMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}${postgresCpuText})`,
          );
        }
        if (options.tracing && system === 'ours') {
          const traced = await fresh('burntraced', (db) =>
            measureBurnDown(system, adapter, db, options.jobs, 1, { traced: true, analyzed: options.analyze }),
          );
          record(report, 'burndownTraced', column, traced.jobsPerSecond);
          log(
            `${label} burn-down ×1 traced: ${rate(traced.jobsPerSecond)} (${traced.spans} spans exported; peak RSS ${Math.round(traced.peakRssMb[0])} MB; worker CPU ${Math.round(traced.cpuMs[0])} ms)`,
          );
        }
      }
      if (has('latency')) {
        const latency = await fresh('latency', (db) =>
          measureLatency(adapter, db, options.latencyJobs, options.latencyGapMs),
        );
        record(report, 'latencyP50', column, latency.p50);
        record(report, 'latencyP95', column, latency.p95);
        record(report, 'latencyMax', column, latency.max);
        log(
          `${label} enqueue → start: p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms, max ${latency.max.toFixed(1)} ms`,
        );
      }
    }
  }

  const ourDatabases: DbKind[] = options.systems.includes('ours') ? options.databases : [];
  for (const kind of ourDatabases) {
    const column: Column = `ours/${kind}`;
    if (has('stats')) {
      // One seeded database per database kind (seeding dominates); each run is a round of queries against it.
      const rounds = await withBenchDatabase(kind, options.postgresUrl, 'ours_stats', (db) =>
        measureQueries(db, options.statsRows, options.runs, log),
      );
      for (const round of rounds) {
        record(report, 'statsP50', column, round.jobStatsP50);
        record(report, 'jobsP50', column, round.jobsP50);
        record(report, 'jobsHalfwayP50', column, round.jobsHalfwayP50);
      }
    }
    if (has('fanout')) {
      for (let run = 1; run <= options.runs; run++) {
        const fanout = await withBenchDatabase(kind, options.postgresUrl, 'ours_fanout', (db) =>
          measureFanout(db, options.subscribers),
        );
        record(report, 'fanoutP50', column, fanout.p50);
        record(report, 'fanoutP99', column, fanout.p99);
        log(
          `[run ${run}/${options.runs}] ${column} fan-out to ${options.subscribers}: ${fanout.deliveries} deliveries, p50 ${fanout.p50.toFixed(1)} ms, p99 ${fanout.p99.toFixed(1)} ms`,
        );
      }
    }
  }

  for (const kind of has('subscribers') ? ourDatabases : []) {
    const column: Column = `ours/${kind}`;
    const count = options.updateSubscribers;
    for (let run = 1; run <= options.runs; run++) {
      // Its own baseline, on a fresh database of the same run, by the whole service as the subscribed burn-down's
      // worker is (it serves their GraphQL): the slowdown compares like with like.
      const plain = await withBenchDatabase(kind, options.postgresUrl, 'ours_subs0', (db) =>
        measureBurnDown('ours', adapters.get('ours')!, db, options.jobs, 1, { role: 'service' }),
      );
      const subscribed = await withBenchDatabase(kind, options.postgresUrl, 'ours_subs', (db) =>
        measureSubscribedBurnDown(db, options.jobs, count, !options.subscribersSamePriority),
      );
      const slowdown = (plain.jobsPerSecond / subscribed.jobsPerSecond - 1) * 100;
      record(report, 'subscribedBurndown', column, subscribed.jobsPerSecond);
      record(report, 'subscribedSlowdown', column, slowdown);
      record(report, 'subscribedPeakRss', column, subscribed.peakRssMb);
      record(report, 'subscribedCaughtUp', column, subscribed.caughtUpMs);
      record(report, 'subscribedEnded', column, subscribed.ended.length);
      log(
        `[run ${run}/${options.runs}] ${column} burn-down with ${count} jobUpdated subscribers: ${rate(subscribed.jobsPerSecond)} vs ${rate(plain.jobsPerSecond)} without (${slowdown.toFixed(0)} % slower); ` +
          `peak RSS ${Math.round(subscribed.peakRssMb)} MB (${Math.round(plain.peakRssMb[0])} MB without); worker CPU ${Math.round(subscribed.cpuMs)} ms (${Math.round(plain.cpuMs[0])} ms without); all caught up ${Math.round(subscribed.caughtUpMs)} ms after the end ` +
          `(${subscribed.caughtUp} of ${count}; ended: ${endings(subscribed.ended)}; clients at ${options.subscribersSamePriority ? 'the same' : 'the lowest'} priority)`,
      );
    }
  }
}

async function abort(reason: unknown, signal?: NodeJS.Signals): Promise<never> {
  if (signal) await stopPart(signal);
  await killChildWorkers();
  console.error(reason instanceof Error ? (reason.stack ?? reason.message) : String(reason));
  await dropAllBenchDatabases();
  process.exit(1);
}

process.on('SIGINT', () => void abort('interrupted', 'SIGINT'));
process.on('SIGTERM', () => void abort('terminated', 'SIGTERM'));
main().then(
  () => process.exit(0),
  (error) => abort(error),
);

/** How the subscribers that were ended ended: each distinct way once, with how many ended so. */
function endings(ended: string[]): string {
  if (ended.length === 0) return 'none';
  const counts = new Map<string, number>();
  for (const ending of ended) counts.set(ending, (counts.get(ending) ?? 0) + 1);
  return [...counts].map(([ending, count]) => `${count} × ${ending}`).join(' | ');
}
