import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { FilesModule } from '../files/files.module';
import { RetryModule } from '../retry/retry.module';
import { WorkersModule } from '../workers/workers.module';
import { CleanupService } from './cleanup.service';
import { HealthService } from './health.service';
import { MonitoringScheduler } from './monitoring-scheduler.service';
import { MonitoringResolver } from './monitoring.resolver';
import { MonitoringService } from './monitoring.service';
import { OutcomeSeriesService } from './outcome-series.service';
import { StalledJobsService } from './stalled-jobs.service';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';
import { SweepLock } from './sweep-lock';

/** Statistics, health, stalled-job recovery and cleanup, with their schedule and GraphQL operations. */
@Module({
  imports: [ScheduleModule.forRoot(), WorkersModule, RetryModule, FilesModule],
  providers: [
    StatsRepository,
    StatsService,
    HealthService,
    StalledJobsService,
    CleanupService,
    SweepLock,
    MonitoringService,
    MonitoringScheduler,
    MonitoringResolver,
    OutcomeSeriesService,
  ],
  exports: [StatsRepository, StatsService, HealthService, StalledJobsService, CleanupService, MonitoringService],
})
export class MonitoringModule {}
