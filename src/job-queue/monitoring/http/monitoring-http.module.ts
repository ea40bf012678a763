import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { MonitoringModule } from '../monitoring.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /health (terminus) and GET /metrics (Prometheus); left out with `httpEndpoints: false`. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), MonitoringModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MonitoringHttpModule {}
