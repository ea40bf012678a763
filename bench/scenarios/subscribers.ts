import { fork } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { SubscribersChildMessage, SubscribersParentMessage } from '../job-updated-subscribers';
import { ChildWorker } from '../lib/child-worker';
import { HARNESS_EXEC_ARGV } from '../lib/compiled-harness';
import type { BenchDatabase } from '../lib/databases';
import { hasUnfinished } from '../lib/ours-adapter';
import { queueOptions } from '../lib/ours-settings';
import { enqueueNoopJobs, startOurService, storeNoopFile } from '../lib/our-service';
import { until } from '../lib/stats';

export interface SubscribedBurnDown {
  jobsPerSecond: number;
  /** VmHWM of the worker process, which also serves the subscribers. */
  peakRssMb: number;
  /** CPU time of the worker process from go until every subscriber caught up: the burn-down and all deliveries. */
  cpuMs: number;
  /** From the end of the burn-down until every subscriber had every COMPLETED event (or was ended). */
  caughtUpMs: number;
  caughtUp: number;
  /** How the subscribers that were ended ended (a slow one is ended with an error). */
  ended: string[];
}

/**
 * The 1-instance burn-down with `subscribers` graphql-ws `jobUpdated` subscriptions (status COMPLETED, FAILED or
 * CANCELLED: every job's end) on the worker instance, from a separate process. The subscribers are live before
 * the clock starts; the clock stops, as in the plain burn-down, when no job is unfinished.
 */
export async function measureSubscribedBurnDown(
  db: BenchDatabase,
  jobs: number,
  subscribers: number,
  niceClients: boolean,
): Promise<SubscribedBurnDown> {
  const producer = await startOurService(queueOptions(db, false));
  const worker = new ChildWorker('ours', db, false, 'service');
  const root = path.resolve(__dirname, '../..');
  let child: ReturnType<typeof fork> | undefined;
  try {
    const port = await worker.ready();
    const fileId = await storeNoopFile(producer);
    child = fork(path.join(root, 'bench/job-updated-subscribers.ts'), [String(port), fileId, String(subscribers)], {
      cwd: root,
      execArgv: HARNESS_EXEC_ARGV,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    // The clients stand in for browsers on other machines: on this 2-core machine, at the same priority, their
    // parsing of 1,000,000 messages (~3 s of CPU) took a core from PostgreSQL or the worker during the burn-down.
    // At the lowest priority they use what the server leaves idle, and lag instead (see caughtUpMs).
    if (niceClients) os.setPriority(child.pid!, 19);
    const messages: SubscribersChildMessage[] = [];
    child.on('message', (message: SubscribersChildMessage) => messages.push(message));
    const next = async (type: SubscribersChildMessage['type']) => {
      await until(
        async () => messages.some((message) => message.type === type || message.type === 'failed'),
        `subscribers: ${type}`,
        10 * 60_000,
        20,
      );
      const message = messages.find((candidate) => candidate.type === type || candidate.type === 'failed')!;
      if (message.type === 'failed') throw new Error(`subscribers failed: ${message.error}`);
      return message;
    };
    await next('live');
    await enqueueNoopJobs(producer, fileId, jobs);

    const started = performance.now();
    await worker.go();
    await until(async () => !(await hasUnfinished(producer)), 'burn-down with subscribers', 10 * 60_000);
    const ended = performance.now();
    child.send({ type: 'expect', completed: jobs } satisfies SubscribersParentMessage);
    const done = (await next('done')) as Extract<SubscribersChildMessage, { type: 'done' }>;
    const caughtUpMs = performance.now() - ended;
    const report = await worker.stop();
    if (report.jobs < jobs) throw new Error(`burn-down with subscribers: ${report.jobs} of ${jobs} jobs ran`);
    return {
      jobsPerSecond: jobs / ((ended - started) / 1000),
      peakRssMb: report.peakRssMb,
      cpuMs: report.cpuMs,
      caughtUpMs,
      caughtUp: done.caughtUp,
      ended: done.ended,
    };
  } finally {
    child?.kill();
    worker.kill();
    await producer.close();
  }
}
