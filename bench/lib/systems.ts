import type { BenchDatabase } from './databases';
import type { SystemName } from './options';

/** Jobs per bulk call, for every system: our API's limit per enqueueJobs / enqueueMany call. */
export const BULK_BATCH = 1000;

/** The enqueueing side, in the orchestrating process. */
export interface Producer {
  /** Enqueues `count` no-op jobs through the system's bulk path, BULK_BATCH per call. */
  enqueueBulk(count: number): Promise<void>;
  /** True while an enqueued job has not reached a final state. */
  hasUnfinished(): Promise<boolean>;
  close(): Promise<void>;
}

/** A worker instance (in a child process for the burn-down). */
export interface WorkerInstance {
  /** Starts claiming; `onStart` is called with each job id as its no-op handler starts. */
  start(onStart?: (jobId: string) => void): Promise<void>;
  stop(): Promise<void>;
  /** Where the instance serves GraphQL (ours only: the subscribers scenario connects to it). */
  port?: number;
}

/** Producer and worker in one process, for the enqueue → start latency. */
export interface LatencyRig {
  /** Enqueues one job through the single-job path; resolves with its id. */
  enqueueOne(): Promise<string>;
  close(): Promise<void>;
}

export interface QueueAdapter {
  version: string;
  /** The configuration used, as stated in the output. */
  settings: string;
  openProducer(db: BenchDatabase): Promise<Producer>;
  openWorker(db: BenchDatabase): Promise<WorkerInstance>;
  openLatencyRig(db: BenchDatabase, onStart: (jobId: string) => void): Promise<LatencyRig>;
}

/** Loaded on demand, so that a peer's child process never loads Nest and ours never loads the peers. */
export async function loadAdapter(name: SystemName): Promise<QueueAdapter> {
  switch (name) {
    case 'ours':
      return (await import('./ours-adapter')).oursAdapter;
    case 'graphile-worker':
      return (await import('./graphile-adapter')).graphileAdapter;
    case 'pg-boss':
      return (await import('./pgboss-adapter')).pgBossAdapter;
  }
}
