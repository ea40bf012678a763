import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { Locator } from 'playwright-core';
import { FileProcessor, type FileProcessorHandler, type ProcessingContext, ProcessingStage } from '../../src/job-queue';
import { simulateWork } from '../support/signals';
import { waitFor } from '../support/test-app';

const ROOT = resolve(__dirname, '../..');
const SOURCES = join(ROOT, 'src/dashboard-ui');
const BUILT_INDEX = join(ROOT, 'dist/dashboard/index.html');

function newestChange(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const path = join(dir, entry.name);
      return entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs;
    }),
  );
}

/** Builds dist/dashboard (Vite, about 2 s) when it is missing or older than its sources, as `npm test` may run first. */
export function ensureDashboardBuilt(): void {
  if (existsSync(BUILT_INDEX) && statSync(BUILT_INDEX).mtimeMs >= newestChange(SOURCES)) return;
  execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '-c', join(SOURCES, 'vite.config.ts')], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

/** Format `gradual`: 30 byte counts 100 ms apart (3 s), so a page can watch its progress rise. */
@Injectable()
@FileProcessor('gradual')
export class GradualProcessor implements FileProcessorHandler {
  async process({ job, progress }: ProcessingContext) {
    progress.stage(ProcessingStage.READING);
    const total = Number(job.fileSize);
    for (let step = 1; step <= 30; step++) {
      progress.bytes(Math.floor((total * step) / 30));
      await simulateWork(100);
    }
    return { metadata: { steps: 30 } };
  }
}

/** Format `waits`: runs until it is cancelled (or a minute passes). */
@Injectable()
@FileProcessor('waits')
export class WaitsForCancelProcessor implements FileProcessorHandler {
  async process({ progress, signal }: ProcessingContext) {
    progress.stage(ProcessingStage.READING);
    await simulateWork(60_000, signal);
    return {};
  }
}

/** Waits until the locator's text (trimmed) satisfies `accepts`, and returns it. */
export async function textBecomes(locator: Locator, accepts: (text: string) => boolean): Promise<string> {
  let last = '';
  try {
    return await waitFor(async () => {
      last = ((await locator.textContent()) ?? '').trim();
      return accepts(last) ? last : null;
    });
  } catch {
    throw new Error(`${locator.toString()}: text stayed ${JSON.stringify(last)}`);
  }
}
