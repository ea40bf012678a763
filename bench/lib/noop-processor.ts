import { Injectable } from '@nestjs/common';
import { FileProcessor, type FileProcessorHandler } from '../../src/job-queue/worker';

/** Called by the no-op processor with each job id, when it starts. */
export const noopStarts: { listener: ((jobId: string) => void) | null } = { listener: null };

/** The bench's processor: does nothing, so the figures measure the queue itself. */
@Injectable()
@FileProcessor('noop')
export class NoopProcessor implements FileProcessorHandler {
  async process({ job }: { job: { id: string } }) {
    noopStarts.listener?.(job.id);
    return {};
  }
}
