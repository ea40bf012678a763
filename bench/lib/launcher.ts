import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchOptions } from './options';
import { installPeers, nodeRunsPeers, provisionNode } from './provision';
import type { BenchReport, FigureId } from './report';

/**
 * On a Node older than the peers need, one invocation runs in parts, each a process of its own whose report the
 * launcher merges: ours on SQLite under the machine's Node (better-sqlite3 in node_modules is built for its ABI),
 * then everything on PostgreSQL — ours and both peers — under one provisioned Node 22. Each part's worker
 * processes are forked from it, so they run under its Node too (fork uses process.execPath).
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

/** Passes a signal on to the part running, so that it drops its databases. */
export function signalPart(signal: NodeJS.Signals): void {
  running?.kill(signal);
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

/** Provisions the Node and the peers, runs the parts, and returns one report of all their figures. */
export async function runInParts(
  options: BenchOptions,
  report: BenchReport,
  log: (message: string) => void,
): Promise<void> {
  const provisioned = provisionNode();
  const peers = options.systems.some((system) => system !== 'ours');
  const peersSeconds = peers ? installPeers(provisioned.binary) : 0;
  const setup =
    `Node ${process.version} is older than the peers need (22.18): PostgreSQL figures under Node ${provisioned.version}, ` +
    `installed from the npm registry (node-${process.platform}-${process.arch}) into bench/.node ` +
    `(${provisioned.seconds ? `in ${provisioned.seconds.toFixed(1)} s` : 'already there'})` +
    (peers
      ? `; peers from bench/peers (npm ci: ${peersSeconds ? `${peersSeconds.toFixed(1)} s` : 'already there'})`
      : '');
  log(setup);
  report.notes.push(setup);

  const parts: { node: string; options: BenchOptions }[] = [];
  if (options.systems.includes('ours') && options.databases.includes('sqlite')) {
    parts.push({ node: process.execPath, options: { ...options, systems: ['ours'], databases: ['sqlite'] } });
  }
  parts.push({ node: provisioned.binary, options: { ...options, databases: ['postgres'] } });
  const nodes: string[] = [];
  for (const part of parts) {
    const partReport = await runPart(part.node, { options: part.options, began: Date.parse(report.startedAt) });
    merge(report, partReport);
    const where = part.options.databases.includes('sqlite') ? 'ours on SQLite' : 'PostgreSQL, every system';
    nodes.push(
      `${partReport.machine.node} (${part.node === process.execPath ? 'the machine’s' : 'provisioned'}: ${where})`,
    );
  }
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
