import { Injectable } from '@nestjs/common';
import { FileProcessor, type FileProcessorHandler, type ProcessingContext, ProcessingStage } from '../../src/job-queue';
import { simulateWork } from './signals';

/**
 * Format `steps`: reports its bytes in 20 steps, a few milliseconds apart, so that progress has values to pass by
 * and its events reach subscribers while the job runs.
 */
@Injectable()
@FileProcessor('steps')
export class StepsProcessor implements FileProcessorHandler {
  async process({ job, progress }: ProcessingContext) {
    progress.stage(ProcessingStage.READING);
    const total = Number(job.fileSize);
    for (let step = 1; step <= 20; step++) {
      progress.bytes(Math.floor((total * step) / 20));
      await simulateWork(15);
    }
    return { metadata: { steps: 20 } };
  }
}
