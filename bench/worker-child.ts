/**
 * One worker instance of a queue system in a process of its own, for the burn-down. Spawned by
 * bench/lib/child-worker.ts as `node -r bench/.build/bench/lib/harness-hook.js bench/worker-child.ts SYSTEM KIND URL
 * DIR` (no TypeScript compiler in it: bench/lib/compiled-harness.ts); answers over IPC:
 * ready (booted, not claiming; the port of its GraphQL server where it has one: ours in the 'service' role) → go → started … stop → stopped { peakRssMb, jobs, cpuMs, cpuAtThousands }.
 * Ours runs from dist/, compiled by the bench beforehand (bench/lib/compiled-product.ts), as the peers run their
 * packages' JavaScript.
 */
import 'reflect-metadata';
import { loadProductCompiled } from './lib/compiled-product';
import { type DbKind, type SystemName, TRACING_ENV } from './lib/options';
import { peakRssMb } from './lib/stats';
import { loadAdapter } from './lib/systems';
import { MARK_EVERY_JOBS } from './lib/warm-up';

export type ParentMessage = { type: 'go' } | { type: 'stop' };
/** Ours as a worker-only process, or as the whole service (GraphQL server included). */
export type WorkerRole = 'worker' | 'service';
export type ChildMessage =
  | { type: 'ready'; port?: number }
  | { type: 'started' }
  | { type: 'stopped'; peakRssMb: number; jobs: number; cpuMs: number; cpuAtThousands: number[]; spans: number }
  | { type: 'failed'; error: string };

const send = (message: ChildMessage) => process.send!(message);

async function main(): Promise<void> {
  const [system, kind, url, dir, role] = process.argv.slice(2) as [SystemName, DbKind, string, string, WorkerRole];
  if (system === 'ours') loadProductCompiled();
  // Before the queue is loaded, as a host registers its SDK (bench --tracing).
  const tracing = process.env[TRACING_ENV] === '1' ? (await import('./lib/tracing')).registerInMemoryTracing() : null;
  const db = { kind, url, dir, drop: async () => undefined };
  const worker =
    system === 'ours' && role === 'worker'
      ? await (await import('./lib/our-worker')).openOurWorker(db)
      : await (await loadAdapter(system)).openWorker(db);
  let jobs = 0;
  let atGo: NodeJS.CpuUsage | undefined;
  // The process's CPU since go at every MARK_EVERY_JOBS-th job started (bench/lib/warm-up.ts): one cpuUsage call each.
  const cpuAtThousands: number[] = [];
  const started = () => {
    if (++jobs % MARK_EVERY_JOBS === 0 && atGo) cpuAtThousands.push(cpuMsSince(atGo));
  };
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'go') atGo = process.cpuUsage();
    // CPU from go to stop: the burn-down, and whatever it left to do (deliveries to subscribers), not the shutdown.
    const cpuMs = message.type === 'stop' && atGo ? cpuMsSince(atGo) : 0;
    const step =
      message.type === 'go'
        ? worker.start(started).then(() => send({ type: 'started' }))
        : worker.stop().then(async () => {
            const spans = (await tracing?.exportedSpans()) ?? 0;
            send({ type: 'stopped', peakRssMb: peakRssMb(), jobs, cpuMs, cpuAtThousands, spans });
            process.disconnect();
          });
    step.catch(fail);
  });
  send({ type: 'ready', port: worker.port });
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function fail(error: Error): void {
  send({ type: 'failed', error: error.stack ?? error.message });
  process.exitCode = 1;
  process.disconnect();
}

main().catch(fail);
