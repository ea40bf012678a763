import { Module } from '@nestjs/common';

/**
 * Statistics, health, stalled-job recovery and cleanup live here. The module is wired into the queue now so
 * that those features plug in without reshaping JobQueueModule.
 */
@Module({})
export class MonitoringModule {}
