import { Injectable, type Type } from '@nestjs/common';
import { FileProcessor, type FileProcessorHandler, type ProcessingContext, ProcessingStage } from '../../src/job-queue';
import { simulateWork } from './signals';

/**
 * A processor for `format` that reports its file's bytes in `steps` equal steps, `msApart` apart, so that progress
 * has values to pass by while the job runs; its metadata says how many steps it took.
 */
export function bytesInStepsProcessor(format: string, steps: number, msApart: number): Type<FileProcessorHandler> {
  @Injectable()
  @FileProcessor(format)
  class BytesInStepsProcessor implements FileProcessorHandler {
    async process({ job, progress }: ProcessingContext) {
      progress.stage(ProcessingStage.READING);
      const total = Number(job.fileSize);
      for (let step = 1; step <= steps; step++) {
        progress.bytes(Math.floor((total * step) / steps));
        await simulateWork(msApart);
      }
      return { metadata: { steps } };
    }
  }
  return BytesInStepsProcessor;
}

/** Format `steps`: 20 steps a few milliseconds apart, so that progress events reach subscribers while it runs. */
export const StepsProcessor = bytesInStepsProcessor('steps', 20, 15);
