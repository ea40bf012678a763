import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { PrismaService } from '../../database/prisma.service';
import { HealthService } from '../health.service';
import { HealthStatus } from '../models/queue-health.model';

const DATABASE_TIMEOUT_MS = 3000;

/** For orchestrators: 200 while the database answers and the queue is not UNHEALTHY, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly checks: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly prisma: PrismaService,
    private readonly queueHealth: HealthService,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.checks.check([() => this.database(), () => this.queue()]);
  }

  private async database() {
    const indicator = this.indicators.check('database');
    try {
      await withTimeout(this.prisma.client.$queryRawUnsafe('SELECT 1'), DATABASE_TIMEOUT_MS);
      return indicator.up({ provider: this.prisma.target.provider });
    } catch (error) {
      return indicator.down({ provider: this.prisma.target.provider, message: (error as Error).message });
    }
  }

  private async queue() {
    const indicator = this.indicators.check('queue');
    try {
      const health = await withTimeout(this.queueHealth.check(), DATABASE_TIMEOUT_MS);
      const details = { health: health.status, issues: health.issues, pending: health.pendingCount, stalled: health.stalledCount };
      return health.status === HealthStatus.UNHEALTHY ? indicator.down(details) : indicator.up(details);
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
