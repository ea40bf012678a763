import { Injectable, Logger } from '@nestjs/common';
import { JobStatus } from '../common/job.enums';
import { PrismaService } from '../database/prisma.service';
import type { ProgressSnapshot } from '../processor-contract/progress-reporter';

/** Saves a running job's progress, under the worker's lease (a job taken from this worker is left alone). */
@Injectable()
export class ProgressRepository {
  private readonly logger = new Logger(ProgressRepository.name);

  constructor(private readonly prisma: PrismaService) {}

  async save(jobId: string, workerId: string, snapshot: ProgressSnapshot): Promise<void> {
    try {
      await this.prisma.client.processingJob.updateMany({
        where: { id: jobId, leaseOwner: workerId, status: JobStatus.PROCESSING },
        data: { stage: snapshot.stage, progress: snapshot.progress, bytesProcessed: BigInt(snapshot.bytesProcessed) },
      });
    } catch (error) {
      this.logger.warn(`progress of ${jobId} not saved: ${(error as Error).message}`);
    }
  }
}
