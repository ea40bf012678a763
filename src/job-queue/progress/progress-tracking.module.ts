import { Module } from '@nestjs/common';
import { ProgressTrackerService } from './progress-tracker.service';
import { ProgressRepository } from './progress.repository';

/** How a running job reports progress (events, batched writes), without the jobProgress subscription. */
@Module({
  providers: [ProgressRepository, ProgressTrackerService],
  exports: [ProgressTrackerService],
})
export class ProgressTrackingModule {}
