import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import type { Response } from 'express';
import { HealthService } from '../health.service';
import { HealthStatus } from '../models/queue-health.model';
import { databaseFailure, withTimeout } from './check-failure';
import { READINESS_TIMEOUT_MS, ReadinessService } from './readiness.service';

/** What a probe answers: `status` ok or error; when error, `error` names the failing check and its cause in one line. */
type ProbeBody =
  { status: 'ok'; [detail: string]: unknown } | { status: 'error'; error: string; [detail: string]: unknown };

/**
 * Probes for orchestrators. /health/live: the process runs (no database call; restart it when this fails).
 * /health/ready (and /health, as before): route traffic to it. /health/queue: the queue's own health by the
 * configured thresholds, for alerting rather than for routing.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: ReadinessService,
    private readonly queueHealth: HealthService,
  ) {}

  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): ProbeBody {
    return { status: 'ok' };
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  health(@Res({ passthrough: true }) response: Response): Promise<ProbeBody> {
    return this.ready(response);
  }

  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) response: Response): Promise<ProbeBody> {
    const readiness = await this.readiness.check();
    if (!readiness.ready) return unavailable(response, readiness.reason);
    return { status: 'ok', database: readiness.database, migration: readiness.migration };
  }

  /** 200 while HEALTHY or DEGRADED, 503 when UNHEALTHY; the body carries the whole QueueHealth. */
  @Get('queue')
  @Header('Cache-Control', 'no-store')
  async queue(@Res({ passthrough: true }) response: Response): Promise<ProbeBody> {
    let health;
    try {
      health = await withTimeout(this.queueHealth.check(), READINESS_TIMEOUT_MS);
    } catch (error) {
      return unavailable(response, databaseFailure(error));
    }
    if (health.status !== HealthStatus.UNHEALTHY) return { status: 'ok', queue: health };
    return unavailable(response, `queue: UNHEALTHY (${health.issues.join('; ')})`, { queue: health });
  }
}

function unavailable(response: Response, reason: string, details: Record<string, unknown> = {}): ProbeBody {
  response.status(HttpStatus.SERVICE_UNAVAILABLE);
  return { status: 'error', error: reason, ...details };
}
