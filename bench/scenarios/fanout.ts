import { fork } from 'node:child_process';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import {
  ANONYMOUS_ADMIN,
  FileProcessor,
  FileStorageService,
  JobPriority,
  ProcessingStage,
  type FileProcessorHandler,
  type ProcessingContext,
} from '../../src/job-queue';
import type { SubscribersMessage } from '../fanout-subscribers';
import { HARNESS_EXEC_ARGV } from '../lib/compiled-harness';
import type { BenchDatabase } from '../lib/databases';
import { OURS_SETTINGS } from '../lib/ours-settings';
import { startOurService } from '../lib/our-service';
import { percentile, sleep } from '../lib/stats';

const FILE_BYTES = 1_000_000;
const BYTE_STEPS = 40;
const STEP_MS = 50;

/** Lets the bench hold the processor until every subscriber is listening. */
const gate = { started: (_jobId: string) => undefined as void, opened: Promise.resolve() };

/** Reports READING with byte counts for two seconds (events throttled to one per 100 ms), then PARSING and EXTRACTING. */
@Injectable()
@FileProcessor('fanout')
export class FanoutProcessor implements FileProcessorHandler {
  async process({ job, progress }: ProcessingContext) {
    gate.started(job.id);
    await gate.opened;
    progress.stage(ProcessingStage.READING);
    for (let step = 1; step <= BYTE_STEPS; step++) {
      progress.bytes((FILE_BYTES * step) / BYTE_STEPS);
      await sleep(STEP_MS);
    }
    progress.stage(ProcessingStage.PARSING);
    await sleep(STEP_MS);
    progress.stage(ProcessingStage.EXTRACTING);
    await sleep(STEP_MS);
    return {};
  }
}

export interface Fanout {
  deliveries: number;
  p50: number;
  p99: number;
}

/** One job followed by `subscribers` graphql-ws subscriptions (in a child process); delivery = receipt − event `at`. */
export async function measureFanout(db: BenchDatabase, subscribers: number): Promise<Fanout> {
  let open = () => undefined as void;
  gate.opened = new Promise<void>((resolve) => (open = resolve));
  const started = new Promise<string>((resolve) => (gate.started = resolve));
  const service = await startOurService({ databaseUrl: db.url, storageDir: `${db.dir}/files`, ...OURS_SETTINGS }, [
    FanoutProcessor,
  ]);
  try {
    const file = await service.app
      .get(FileStorageService)
      .store(Readable.from([Buffer.alloc(FILE_BYTES)]), 'bench.fanout', ANONYMOUS_ADMIN);
    const job = await service.jobs.enqueue({ fileId: file.id, priority: JobPriority.NORMAL }, ANONYMOUS_ADMIN);
    await started;
    const root = path.resolve(__dirname, '../..');
    const child = fork(
      path.join(root, 'bench/fanout-subscribers.ts'),
      [String(service.port), job.id, String(subscribers)],
      {
        cwd: root,
        execArgv: HARNESS_EXEC_ARGV,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    const delays = await new Promise<number[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fan-out: subscribers did not finish within 60 s')), 60_000);
      child.on('message', (message: SubscribersMessage) => {
        if (message.type === 'subscribed') open();
        else {
          clearTimeout(timer);
          if (message.type === 'done') resolve(message.delays);
          else reject(new Error(`fan-out subscribers failed: ${message.error}`));
        }
      });
      child.on('exit', (code) => code && reject(new Error(`fan-out subscribers exited with ${code}`)));
    }).finally(() => {
      open();
      child.kill();
    });
    return { deliveries: delays.length, p50: percentile(delays, 0.5), p99: percentile(delays, 0.99) };
  } finally {
    await service.close();
  }
}
