import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './options';
import { installPeers, nodeRunsPeers, provisionNode } from './provision';
import type { BenchReport, FigureId } from './report';

/**
 * On a Node older than the peers need, one invocation runs in two parts: ours on SQLite in this process, under the
 * machine's Node (better-sqlite3 in node_modules is built for its ABI), then everything on PostgreSQL — ours and
 * both peers — in a process of its own under one provisioned Node 22, whose report is merged into this one. Each
 * part's worker processes are forked from it, so they run under its Node too (fork uses process.execPath).
 */
const PART_ENV = 'BENCH_PART';

export interface PartRequest {
  options: BenchOptions;
  /** Where the part writes its report (JSON). */
  output: string;
  /** The launcher's start, so that the parts' log times continue its own. */
  began: number;
}

/** The request of a part, when this process is one. */
export function partRequest(): PartRequest | undefined {
  const raw = process.env[PART_ENV];
  return raw ? (JSON.parse(raw) as PartRequest) : undefined;
}

/** Whether this invocation needs a Node other than this one: PostgreSQL is measured, and this Node is too old. */
export function needsParts(options: BenchOptions): boolean {
  return !options.machineNode && !nodeRunsPeers() && options.databases.includes('postgres');
}

let running: ChildProcess | undefined;

/** Passes a signal on to the part running and waits (10 s at most) for it to drop its databases and exit. */
export async function stopPart(signal: NodeJS.Signals): Promise<void> {
  const part = running;
  if (!part || part.exitCode !== null || part.signalCode !== null) return;
  const exited = once(part, 'exit');
  part.kill(signal);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
}

async function runPart(node: string, request: Omit<PartRequest, 'output'>): Promise<BenchReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-part-'));
  const output = path.join(dir, 'report.json');
  try {
    const root = path.resolve(__dirname, '../..');
    running = spawn(node, ['-r', 'ts-node/register/transpile-only', path.join(root, 'bench/run.ts')], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, [PART_ENV]: JSON.stringify({ ...request, output }) },
    });
    const [code, signal] = (await once(running, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`the bench part under ${node} ended with ${signal ?? `exit code ${code}`}`);
    return JSON.parse(readFileSync(output, 'utf8')) as BenchReport;
  } finally {
    running = undefined;
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Provisions the Node and the peers, measures ours on SQLite here (`measureHere`) and the rest in a part under
 * that Node; `report` receives every figure.
 */
export async function runInParts(
  options: BenchOptions,
  report: BenchReport,
  measureHere: (options: BenchOptions) => Promise<void>,
  log: (message: string) => void,
): Promise<void> {
  const provisioned = provisionNode();
  const peers = options.systems.some((system) => system !== 'ours');
  const peersSeconds = peers ? installPeers(provisioned.binary) : 0;
  const done = (seconds: number) => (seconds ? `in ${seconds.toFixed(1)} s` : 'already there');
  const setup =
    `Node ${process.version} is older than the peers need (22.18): PostgreSQL figures under Node ${provisioned.version}, ` +
    `installed from the npm registry (node-${process.platform}-${process.arch}) into bench/.node (${done(provisioned.seconds)})` +
    (peers ? `; peers installed into bench/peers/node_modules by npm ci (${done(peersSeconds)})` : '');
  log(setup);
  report.notes.push(setup);

  const nodes: string[] = [];
  if (options.systems.includes('ours') && options.databases.includes('sqlite')) {
    await measureHere({ ...options, systems: ['ours'], databases: ['sqlite'] });
    nodes.push(`${process.version} (the machine’s: ours on SQLite)`);
  }
  const postgres = await runPart(provisioned.binary, {
    options: { ...options, databases: ['postgres'] },
    began: Date.parse(report.startedAt),
  });
  merge(report, postgres);
  nodes.push(`${postgres.machine.node} (provisioned: PostgreSQL, every system)`);
  report.machine.node = nodes.join('; ');
}

function merge(into: BenchReport, part: BenchReport): void {
  Object.assign(into.systems, part.systems);
  for (const [figure, columns] of Object.entries(part.runs) as [FigureId, Record<string, number[]>][]) {
    const target = (into.runs[figure] ??= {}) as Record<string, number[]>;
    for (const [column, values] of Object.entries(columns)) (target[column] ??= []).push(...values);
  }
  into.notes.push(...part.notes);
}
