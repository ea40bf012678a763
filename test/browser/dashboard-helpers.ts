import { Injectable } from '@nestjs/common';
import type { Locator } from 'playwright-core';
import { FileProcessor, type FileProcessorHandler, type ProcessingContext, ProcessingStage } from '../../src/job-queue';
import { simulateWork } from '../support/signals';
import { bytesInStepsProcessor } from '../support/steps-processor';
import { waitFor } from '../support/test-app';

/** Format `gradual`: 30 byte counts 100 ms apart (3 s), so a page can watch its progress rise. */
export const GradualProcessor = bytesInStepsProcessor('gradual', 30, 100);

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
