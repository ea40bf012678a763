import { ChildWorker } from '../lib/child-worker';
import { type BenchDatabase, withClient } from '../lib/databases';
import { type PostgresCpu, postgresCpuFromNow } from '../lib/process-cpu';
import type { SystemName } from '../lib/options';
import { percentile, sleep, until } from '../lib/stats';
import type { QueueAdapter } from '../lib/systems';
import { storeTraceContexts } from '../lib/tracing';
import type { WorkerRole } from '../worker-child';

/** Jobs per second of bulk enqueue (BULK_BATCH per call) into an empty queue with no worker running. */
export async function measureEnqueue(
  adapter: QueueAdapter,
  db: BenchDatabase,
  jobs: number,
): Promise<{ jobsPerSecond: number }> {
  const producer = await adapter.openProducer(db);
  try {
    const started = performance.now();
    await producer.enqueueBulk(jobs);
    return { jobsPerSecond: jobs / ((performance.now() - started) / 1000) };
  } finally {
    await producer.close();
  }
}

export interface BurnDown {
  jobsPerSecond: number;
  /** VmHWM of each worker process over its life (boot and burn-down). */
  peakRssMb: number[];
  /** Jobs started by each instance. */
  jobsPerInstance: number[];
  /** CPU time of each worker process from go until it was stopped (after the burn-down). */
  cpuMs: number[];
  /** Each worker process's CPU time since go at its every 1,000th job (bench/lib/warm-up.ts). */
  cpuAtThousands: number[][];
  /**
   * CPU time of the PostgreSQL processes from go until the last job finished (the bench's own polling included, a
   * query every 25 ms); null on SQLite, or where the server does not run on this machine.
   */
  postgresCpu: PostgresCpu | null;
  /** Spans exported by all worker processes (0 unless traced). */
  spans: number;
}

/** How a burn-down is set up besides its size. */
export interface BurnDownSetup {
  /** The workers register the OpenTelemetry SDK (in-memory exporter); every job carries a stored trace context. */
  traced?: boolean;
  /** Ours as worker-only processes, or as the whole service (the subscriber scenario's baseline, like with like). */
  role?: WorkerRole;
  /**
   * The filled queue is analyzed before the workers start (`--analyze`). Without it the planner has no statistics
   * of the table the bulk fill just wrote, as for a backlog that arrives faster than autovacuum analyzes it: at
   * 100,000 jobs that tripled graphile-worker's PostgreSQL CPU a job, and left ours (keyed plans only) as it was.
   */
  analyzed?: boolean;
}

/** The server's processes can be read from /proc only where it runs on this machine. */
const isLocal = (url: string) => ['127.0.0.1', 'localhost', '[::1]', ''].includes(new URL(url).hostname);

/**
 * `jobs` no-op jobs are queued first; then `instances` worker processes, booted and idle, are told to go at once.
 * The clock runs from "go" until the database holds no unfinished job (polled every 25 ms).
 */
export async function measureBurnDown(
  system: SystemName,
  adapter: QueueAdapter,
  db: BenchDatabase,
  jobs: number,
  instances: number,
  { traced = false, role = 'worker', analyzed = false }: BurnDownSetup = {},
): Promise<BurnDown> {
  const producer = await adapter.openProducer(db);
  const workers: ChildWorker[] = [];
  try {
    // The children boot while the queue fills: neither is timed.
    for (let index = 0; index < instances; index++) workers.push(new ChildWorker(system, db, traced, role));
    await producer.enqueueBulk(jobs);
    if (analyzed && db.kind === 'postgres') await withClient(db.url, (client) => client.query('ANALYZE'));
    if (traced) await storeTraceContexts(db);
    await Promise.all(workers.map((worker) => worker.ready()));
    const postgresCpuSinceGo = db.kind === 'postgres' && isLocal(db.url) ? postgresCpuFromNow() : () => null;
    const started = performance.now();
    await Promise.all(workers.map((worker) => worker.go()));
    await until(async () => !(await producer.hasUnfinished()), `${system} burn-down`, 10 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    const postgresCpu = postgresCpuSinceGo();
    const reports = [];
    for (const worker of workers) reports.push(await worker.stop());
    const jobsPerInstance = reports.map((report) => report.jobs);
    const ran = jobsPerInstance.reduce((sum, count) => sum + count, 0);
    if (ran < jobs) throw new Error(`${system} burn-down: ${ran} of ${jobs} jobs ran`);
    return {
      jobsPerSecond: jobs / seconds,
      peakRssMb: reports.map((report) => report.peakRssMb),
      jobsPerInstance,
      cpuMs: reports.map((report) => report.cpuMs),
      cpuAtThousands: reports.map((report) => report.cpuAtThousands),
      postgresCpu,
      spans: reports.reduce((sum, report) => sum + report.spans, 0),
    };
  } finally {
    workers.forEach((worker) => worker.kill());
    await producer.close();
  }
}

export interface Latency {
  p50: number;
  p95: number;
  max: number;
}

/**
 * `count` single enqueues, one every `gapMs` (each fired on its tick, not waiting for the previous one), into an
 * idle worker in the same process; latency = handler start − the moment enqueue was called. Five unmeasured
 * jobs warm the path first.
 */
export async function measureLatency(
  adapter: QueueAdapter,
  db: BenchDatabase,
  count: number,
  gapMs: number,
): Promise<Latency> {
  const starts = new Map<string, number>();
  const rig = await adapter.openLatencyRig(db, (jobId) => starts.set(String(jobId), performance.now()));
  try {
    const warmUp = await Promise.all(Array.from({ length: 5 }, () => rig.enqueueOne()));
    await until(async () => warmUp.every((id) => starts.has(String(id))), 'latency warm-up', 30_000, 5);
    await sleep(200);
    const sent: Promise<{ id: string; at: number }>[] = [];
    const origin = performance.now();
    for (let index = 0; index < count; index++) {
      await sleep(origin + index * gapMs - performance.now());
      const at = performance.now();
      sent.push(rig.enqueueOne().then((id) => ({ id: String(id), at })));
    }
    const enqueued = await Promise.all(sent);
    await until(async () => enqueued.every(({ id }) => starts.has(id)), 'latency jobs', 60_000, 5);
    const latencies = enqueued.map(({ id, at }) => starts.get(id)! - at);
    return { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95), max: Math.max(...latencies) };
  } finally {
    await rig.close();
  }
}
