import { Module } from '@nestjs/common';
import { ProgressTrackerService } from './progress-tracker.service';

@Module({
  providers: [ProgressTrackerService],
  exports: [ProgressTrackerService],
})
export class ProgressModule {}
