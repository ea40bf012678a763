import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import type { Caller } from './caller';

/** Resolves the caller of an HTTP request, GraphQL operation or subscription (no request) by the host's rule. */
@Injectable()
export class CallerService {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  resolve(request: Request | undefined): Caller {
    return this.options.resolveCaller(request);
  }
}
