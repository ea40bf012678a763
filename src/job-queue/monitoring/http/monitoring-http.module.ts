import { Module } from '@nestjs/common';
import { WorkersModule } from '../../workers/workers.module';
import { MonitoringModule } from '../monitoring.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ReadinessService } from './readiness.service';

/** GET /health, /health/live, /health/ready, /health/queue and GET /metrics (Prometheus); left out with `httpEndpoints: false`. */
@Module({
  imports: [MonitoringModule, WorkersModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService, ReadinessService],
  exports: [MetricsService, ReadinessService],
})
export class MonitoringHttpModule {}
