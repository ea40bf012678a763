import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { ChildMessage, ParentMessage, WorkerRole } from '../worker-child';
import { HARNESS_EXEC_ARGV } from './compiled-harness';
import type { BenchDatabase } from './databases';
import type { SystemName } from './options';
import { TRACING_ENV } from './tracing';

export interface ChildReport {
  peakRssMb: number;
  /** Jobs whose handler started in this instance. */
  jobs: number;
  /** CPU time (user + system) of the process from go to stop. */
  cpuMs: number;
  /** Its CPU time since go (ms) when each 1,000th job started (bench/lib/warm-up.ts). */
  cpuAtThousands: number[];
  /** Spans the process exported (only with tracing on). */
  spans: number;
}

const live = new Set<ChildWorker>();

/**
 * Ends every worker process still running (an interrupted run): one still booting would otherwise open a
 * connection to its database while it is being dropped, and the drop would fail.
 */
export async function killChildWorkers(): Promise<void> {
  await Promise.all([...live].map((worker) => worker.killAndWait()));
}

/** A worker instance in a child process (node -r bench/.build/bench/lib/harness-hook.js bench/worker-child.ts …). */
export class ChildWorker {
  private readonly child: ChildProcess;
  private readonly messages: ChildMessage[] = [];
  private waiting: (() => void) | null = null;
  private exited = false;

  /**
   * `tracing`: the process registers the OpenTelemetry SDK with an in-memory exporter (bench --tracing).
   * `role`: ours runs as a worker-only process (JobQueueWorkerModule), as the peers' workers do, unless it must
   * serve GraphQL too ('service': the subscriber scenario's clients connect to it); the peers ignore it.
   * With PROF set in the environment, the process writes a V8 CPU profile into /tmp/prof when it exits (exploration
   * only: the profiler's cost is in every figure of such a run).
   */
  constructor(system: SystemName, db: BenchDatabase, tracing = false, role: WorkerRole = 'worker') {
    const root = path.resolve(__dirname, '../..');
    this.child = fork(path.join(root, 'bench/worker-child.ts'), [system, db.kind, db.url, db.dir, role], {
      cwd: root,
      execArgv: [...HARNESS_EXEC_ARGV, ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [TRACING_ENV]: tracing ? '1' : '0' },
    });
    this.child.on('message', (message: ChildMessage) => {
      this.messages.push(message);
      this.waiting?.();
    });
    live.add(this);
    this.child.on('exit', () => {
      live.delete(this);
      this.exited = true;
      this.waiting?.();
    });
  }

  /** Resolves when the instance is booted and idle, with the port of its GraphQL server where it has one. */
  async ready(): Promise<number | undefined> {
    const message = (await this.expect('ready')) as Extract<ChildMessage, { type: 'ready' }>;
    return message.port;
  }

  /** Tells it to start claiming; resolves once it has. */
  async go(): Promise<void> {
    this.send({ type: 'go' });
    await this.expect('started');
  }

  async stop(): Promise<ChildReport> {
    this.send({ type: 'stop' });
    const report = (await this.expect('stopped')) as Extract<ChildMessage, { type: 'stopped' }>;
    if (!this.exited) await once(this.child, 'exit');
    const { peakRssMb, jobs, cpuMs, cpuAtThousands, spans } = report;
    return { peakRssMb, jobs, cpuMs, cpuAtThousands, spans };
  }

  /** Ends the process and resolves once it has exited. */
  async killAndWait(): Promise<void> {
    if (this.exited) return;
    const exited = once(this.child, 'exit');
    this.kill();
    await exited;
  }

  /** For a run that failed: ends the process at once. */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private send(message: ParentMessage): void {
    this.child.send(message);
  }

  private async expect(type: ChildMessage['type']): Promise<ChildMessage> {
    for (;;) {
      const message = this.messages.shift();
      if (message?.type === 'failed') throw new Error(`worker child failed: ${message.error}`);
      if (message?.type === type) return message;
      if (message) continue;
      if (this.exited) throw new Error(`worker child exited before "${type}"`);
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }
}
