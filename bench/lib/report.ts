import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine';
import type { BenchOptions, DbKind, SystemName } from './options';
import { median } from './stats';
import { WARM_AFTER_TEXT } from './warm-up';

/** A column of the table: a system on a database. */
export type Column = `${SystemName}/${DbKind}`;
export const COLUMNS: Column[] = ['ours/sqlite', 'ours/postgres', 'graphile-worker/postgres', 'pg-boss/postgres'];
/** Ratios ours / peer, on the same PostgreSQL. */
const RATIOS: [Column, Column][] = [
  ['ours/postgres', 'graphile-worker/postgres'],
  ['ours/postgres', 'pg-boss/postgres'],
];

export const FIGURES = {
  enqueue: { label: 'bulk enqueue', unit: 'jobs/s', better: 'higher' },
  burndown1: { label: 'burn-down, 1 instance', unit: 'jobs/s', better: 'higher' },
  burndown2: { label: 'burn-down, 2 instances', unit: 'jobs/s', better: 'higher' },
  burndownTraced: {
    label: 'burn-down, 1 instance, traced (OpenTelemetry SDK, in-memory exporter; --tracing)',
    unit: 'jobs/s',
    better: 'higher',
  },
  latencyP50: { label: 'enqueue → start p50', unit: 'ms', better: 'lower' },
  latencyP95: { label: 'enqueue → start p95', unit: 'ms', better: 'lower' },
  latencyMax: { label: 'enqueue → start max', unit: 'ms', better: 'lower' },
  peakRss: { label: 'peak RSS of the worker process, 1-instance burn-down', unit: 'MB', better: 'lower' },
  workerCpuPerJob: { label: 'worker CPU a job, 1-instance burn-down', unit: 'µs', better: 'lower' },
  workerFirstJobs: {
    label: `worker CPU for its first ${WARM_AFTER_TEXT} jobs, 1-instance burn-down`,
    unit: 'ms',
    better: 'lower',
  },
  workerLaterCpuPerJob: {
    label: `worker CPU a job after its first ${WARM_AFTER_TEXT}, 1-instance burn-down`,
    unit: 'µs',
    better: 'lower',
  },
  postgresCpuPerJob: { label: 'PostgreSQL CPU a job, 1-instance burn-down', unit: 'µs', better: 'lower' },
  workerCpuPerJob2: { label: 'worker CPU a job, 2-instance burn-down (both workers)', unit: 'µs', better: 'lower' },
  workerFirstJobs2: {
    label: `worker CPU for its first ${WARM_AFTER_TEXT} jobs, 2-instance burn-down (mean of the two)`,
    unit: 'ms',
    better: 'lower',
  },
  workerLaterCpuPerJob2: {
    label: `worker CPU a job after its first ${WARM_AFTER_TEXT}, 2-instance burn-down (both workers)`,
    unit: 'µs',
    better: 'lower',
  },
  postgresCpuPerJob2: { label: 'PostgreSQL CPU a job, 2-instance burn-down', unit: 'µs', better: 'lower' },
  statsP50: { label: 'jobStats p50', unit: 'ms', better: 'lower' },
  jobsP50: { label: 'jobs(first: 20) p50', unit: 'ms', better: 'lower' },
  jobsHalfwayP50: { label: 'jobs(first: 20, after: the cursor halfway down) p50', unit: 'ms', better: 'lower' },
  fanoutP50: { label: 'progress fan-out delivery p50', unit: 'ms', better: 'lower' },
  fanoutP99: { label: 'progress fan-out delivery p99', unit: 'ms', better: 'lower' },
  subscribedBurndown: { label: 'burn-down, 1 instance, with jobUpdated subscribers', unit: 'jobs/s', better: 'higher' },
  subscribedSlowdown: { label: 'burn-down time with jobUpdated subscribers vs without', unit: '%', better: 'lower' },
  subscribedPeakRss: {
    label: 'peak RSS of the worker process with jobUpdated subscribers',
    unit: 'MB',
    better: 'lower',
  },
  subscribedCaughtUp: {
    label: 'last jobUpdated subscriber caught up, after the burn-down',
    unit: 'ms',
    better: 'lower',
  },
  // "Caught up" counts an ended subscriber as done: this row says how many were.
  subscribedEnded: {
    label: 'jobUpdated subscribers ended with an error (too far behind)',
    unit: 'subscribers',
    better: 'lower',
  },
} as const;
export type FigureId = keyof typeof FIGURES;

export interface BenchReport {
  command: string;
  startedAt: string;
  durationSeconds: number;
  options: BenchOptions;
  machine: MachineInfo;
  systems: Partial<Record<SystemName, { version: string; settings: string }>>;
  /** Every run's value, per figure and column; the table shows the medians. */
  runs: Partial<Record<FigureId, Partial<Record<Column, number[]>>>>;
  notes: string[];
}

export function record(report: BenchReport, figure: FigureId, column: Column, value: number): void {
  const byColumn = (report.runs[figure] ??= {});
  (byColumn[column] ??= []).push(value);
}

const medianOf = (report: BenchReport, figure: FigureId, column: Column): number | undefined => {
  const values = report.runs[figure]?.[column];
  return values?.length ? median(values) : undefined;
};

/**
 * Each run's own ratio, ours to the peer. A run measures every system back to back, so its ratio is free of the
 * machine's drift between runs (up to 1.5× within the hour on these machines), which the ratio of two medians is not:
 * at 13:15 on 7 December the 1-instance burn-down's runs read 0.89, 1.10 and 0.84, its medians 1.07 (ours' from the
 * second run, graphile-worker's from the third). Null with one run, or when the two have not run alike.
 */
function runRatios(report: BenchReport, figure: FigureId, ours: Column, peer: Column): number[] | null {
  const a = report.runs[figure]?.[ours];
  const b = report.runs[figure]?.[peer];
  if (!a || !b || a.length < 2 || a.length !== b.length || b.includes(0)) return null;
  return a.map((value, run) => value / b[run]);
}

/** One "ours / peer" cell: the median of the runs' own ratios and their range, or with one run the two figures'. */
function ratioCell(report: BenchReport, figure: FigureId, ours: Column, peer: Column): string {
  const ofRuns = runRatios(report, figure, ours, peer);
  if (ofRuns) {
    const [lowest, highest] = [Math.min(...ofRuns), Math.max(...ofRuns)];
    return `${median(ofRuns).toFixed(2)}× (${lowest.toFixed(2)}-${highest.toFixed(2)})`;
  }
  const a = medianOf(report, figure, ours);
  const b = medianOf(report, figure, peer);
  return a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;
}

function format(value: number | undefined, unit: string): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (unit === 'jobs/s' || unit === 'subscribers') return Math.round(value).toLocaleString('en-US');
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}

/**
 * The table as Markdown: medians per column, then ours / peer (↑: above 1 is better for us, ↓: below 1 is): with
 * several runs the median of the runs' own ratios and their range, with one the ratio of the two figures.
 */
export function markdownTable(report: BenchReport): string {
  const name = (column: Column) => {
    const [system, kind] = column.split('/') as [SystemName, DbKind];
    const version = report.systems[system]?.version ?? '';
    return system === 'ours' ? `ours, ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}` : `${system} ${version}`;
  };
  const header = ['figure', ...COLUMNS.map(name), ...RATIOS.map(([, peer]) => `ours PG / ${peer.split('/')[0]}`)];
  const rows = (Object.keys(FIGURES) as FigureId[])
    .filter((figure) => report.runs[figure])
    .map((figure) => {
      const { label, unit, better } = FIGURES[figure];
      const cells = COLUMNS.map((column) => format(medianOf(report, figure, column), unit));
      const ratios = RATIOS.map(([ours, peer]) => ratioCell(report, figure, ours, peer));
      return [`${label} (${unit}) ${better === 'higher' ? '↑' : '↓'}`, ...cells, ...ratios];
    });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, index) => (index === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export function markdownDetails(report: BenchReport): string {
  const { machine, options } = report;
  const ratios =
    options.runs > 1 ? " (ratios: the median of the runs' own, and in brackets the lowest and highest)" : '';
  const analyzed = options.analyze
    ? "; the burndown scenario's PostgreSQL databases analyzed after their fill (--analyze)"
    : '';
  const lines = [
    `Command: \`${report.command}\` — ${new Date(report.startedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(report.durationSeconds)} s.`,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB; Node ${machine.node}; PostgreSQL ${machine.postgres}; SQLite ${machine.sqlite}; commit ${machine.commit}.`,
    `Figures: median of ${options.runs} run(s)${ratios}; ${options.jobs.toLocaleString('en-US')} jobs per enqueue / burn-down; ${options.latencyJobs} enqueues ${options.latencyGapMs} ms apart; ${options.statsRows.toLocaleString('en-US')} rows for jobStats / jobs; ${options.subscribers} subscribers${analyzed}.`,
    ...Object.entries(report.systems).map(([system, { version, settings }]) => `- ${system} ${version}: ${settings}`),
    ...report.notes.map((note) => `- ${note}`),
  ];
  return lines.join('\n');
}

const START = '<!-- bench:table:start -->';
const END = '<!-- bench:table:end -->';

/** Writes bench/results/<time>.json and latest.md; with --update-results also the table block of RESULTS.md. */
export function writeReport(report: BenchReport, benchDir: string): string[] {
  const resultsDir = path.join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = path.join(resultsDir, `${stamp}${report.options.quick ? '-quick' : ''}.json`);
  const markdown = `${markdownTable(report)}\n\n${markdownDetails(report)}\n`;
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'latest.md'), markdown);
  const written = [json, path.join(resultsDir, 'latest.md')];
  if (report.options.updateResults) {
    const file = path.join(benchDir, 'RESULTS.md');
    const current = readFileSync(file, 'utf8');
    const start = current.indexOf(START);
    const end = current.indexOf(END);
    if (start < 0 || end < start) throw new Error(`${file} has no ${START} … ${END} block`);
    writeFileSync(file, `${current.slice(0, start + START.length)}\n${markdown}${current.slice(end)}`);
    written.push(file);
  }
  return written;
}
