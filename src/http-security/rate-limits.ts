import { type DynamicModule, type ExecutionContext, Injectable, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { type GqlContextType, GqlExecutionContext } from '@nestjs/graphql';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  ThrottlerModule,
  type ThrottlerModuleOptions,
  type ThrottlerOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { GraphQLResolveInfo } from 'graphql';
import type { Readable } from 'node:stream';
import { CallerService } from '../job-queue/access/caller.service';
import { FilesController } from '../job-queue/files/files.controller';
import { callerKey } from './caller-key';

/** Per-caller budgets (RATE_LIMIT_*), counted per server process over a sliding minute; 0 turns one off. */
export interface RateLimitSettings {
  /** Root mutation fields a minute (RATE_LIMIT_MUTATIONS_PER_MINUTE): each field counts, aliases included. */
  mutationsPerMinute: number;
  /** POST /files a minute (RATE_LIMIT_UPLOADS_PER_MINUTE). */
  uploadsPerMinute: number;
}

/** 2,000 requests and 300 uploads in one burst were all served before (issue 12); a person clicking stays far below. */
export const DEFAULT_RATE_LIMITS: RateLimitSettings = { mutationsPerMinute: 300, uploadsPerMinute: 60 };

const MINUTE_MS = 60_000;

type Budget = 'mutations' | 'uploads';

const SETTING: Record<Budget, string> = {
  mutations: 'RATE_LIMIT_MUTATIONS_PER_MINUTE',
  uploads: 'RATE_LIMIT_UPLOADS_PER_MINUTE',
};

function isRootMutation(context: ExecutionContext): boolean {
  if (context.getType<GqlContextType>() !== 'graphql') return false;
  return GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>()?.parentType?.name === 'Mutation';
}

function isUpload(context: ExecutionContext): boolean {
  return (
    context.getType() === 'http' &&
    context.getClass() === FilesController &&
    context.getHandler() === FilesController.prototype.upload
  );
}

const COUNTS: Record<Budget, (context: ExecutionContext) => boolean> = { mutations: isRootMutation, uploads: isUpload };

/**
 * @nestjs/throttler's guard, keyed by who asks rather than by route: one budget per caller across every mutation
 * (the signed-in user id, or the client address for the anonymous), so 300 different mutations are not 300 budgets.
 */
@Injectable()
export class CallerThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly callers: CallerService,
  ) {
    super(options, storage, reflector);
  }

  /** GraphQL: the express request of the operation (or, over graphql-ws, its connection, which has no response). */
  protected override getRequestResponse(context: ExecutionContext): {
    req: Record<string, unknown>;
    res: Record<string, unknown>;
  } {
    if (context.getType<GqlContextType>() !== 'graphql') return super.getRequestResponse(context);
    const req =
      GqlExecutionContext.create(context).getContext<{
        req?: { res?: Record<string, unknown> } & Record<string, unknown>;
      }>().req ?? {};
    return { req, res: req.res ?? {} };
  }

  /**
   * The caller the operation itself will resolve (cached per request, so credentials are checked once). Refused
   * credentials count against the client address: a key-guessing loop is limited too, then refused by the handler.
   */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return callerKey(await this.callers.resolve(req).catch(() => undefined), req);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, budget: string): string {
    return `${budget}:${tracker}`;
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const budget: Budget = isUpload(context) ? 'uploads' : 'mutations';
    // The standard header (the library's own would be named Retry-After-uploads, after the budget).
    this.setResponseHeader(this.getRequestResponse(context).res, 'Retry-After', detail.timeToBlockExpire);
    // Answered without reading the upload's body: let it drain rather than reset the client mid-upload.
    if (budget === 'uploads') context.switchToHttp().getRequest<Readable>().resume();
    throw new ThrottlerException(
      `Too many ${budget}: at most ${detail.limit} a minute per caller (${SETTING[budget]}); retry in ${detail.timeToBlockExpire} s`,
    );
  }
}

/**
 * Per-caller rate limits on mutations and uploads (issue 12, point 4), answering 429 / RATE_LIMITED with Retry-After.
 * Queries and subscriptions are not counted (their size is bounded by the GraphQL limits and the graphql-ws caps).
 */
@Module({})
export class RateLimitModule {
  static forRoot(settings: RateLimitSettings): DynamicModule {
    const perMinute: Record<Budget, number> = {
      mutations: settings.mutationsPerMinute,
      uploads: settings.uploadsPerMinute,
    };
    const throttlers: ThrottlerOptions[] = (Object.keys(perMinute) as Budget[])
      .filter((budget) => perMinute[budget] > 0)
      // blockDuration 0: a sliding window (a refused request is not counted, the budget frees as old ones age out)
      // rather than a minute-long block after the first refusal.
      .map((budget) => ({
        name: budget,
        limit: perMinute[budget],
        ttl: MINUTE_MS,
        blockDuration: 0,
        setHeaders: false,
        skipIf: (context) => !COUNTS[budget](context),
      }));
    if (throttlers.length === 0) return { module: RateLimitModule };
    return {
      module: RateLimitModule,
      imports: [ThrottlerModule.forRoot({ throttlers })],
      providers: [{ provide: APP_GUARD, useClass: CallerThrottlerGuard }],
    };
  }
}
