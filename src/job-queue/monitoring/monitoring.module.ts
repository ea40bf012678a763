import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { QueueSweepsModule } from './queue-sweeps.module';
import { HealthService } from './health.service';
import { MonitoringResolver } from './monitoring.resolver';
import { MonitoringService } from './monitoring.service';
import { OutcomeSeriesService } from './outcome-series.service';
import { StatsService } from './stats.service';
import { HEALTH_CHECK_ROUND, SweepScheduler } from './sweep-scheduler.service';

/** Statistics, health, stalled-job recovery and cleanup, with their schedule and GraphQL operations. */
@Module({
  imports: [ScheduleModule.forRoot(), QueueSweepsModule],
  providers: [
    StatsService,
    HealthService,
    MonitoringService,
    SweepScheduler,
    { provide: HEALTH_CHECK_ROUND, useExisting: MonitoringService },
    MonitoringResolver,
    OutcomeSeriesService,
  ],
  exports: [StatsService, HealthService, QueueSweepsModule, MonitoringService],
})
export class MonitoringModule {}
