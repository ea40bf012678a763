import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';
import { createStandaloneResolveCaller } from './auth/standalone-caller';
import type { AppConfig } from './config/environment';
import {
  DEFAULT_GRAPHQL_LIMITS,
  graphqlLimitErrorsPlugin,
  graphqlLimitRules,
  validateWithLimits,
} from './graphql-limits';
import { graphqlLandingPage } from './graphql-landing-page';
import { GraphQLNestingMiddleware, queryNestingError } from './graphql-nesting.middleware';
import { HttpSecurityModule } from './http-security/http-security.module';
import { refuseForeignOrigins } from './http-security/origins';
import { RateLimitModule } from './http-security/rate-limits';
import { WsCallerLimits } from './http-security/ws-limits';
import { GraphqlWsSpans, graphqlRequestSpan, graphqlTracingPlugin } from './observability/graphql-tracing';
import { ObservabilityModule } from './observability/observability.module';
import {
  ANONYMOUS_ADMIN,
  authenticateConnections,
  JobQueueModule,
  MAX_UNREAD_JOB_UPDATES,
  shareSubscriptions,
} from './job-queue';

/** The standalone service: the job queue module behind Apollo GraphQL (HTTP and graphql-ws on /graphql). */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    // A rule given with the queue options (a test's, an embedding's) wins over the AUTH_* settings.
    const resolveCaller = config.jobQueue.resolveCaller ?? (config.auth && createStandaloneResolveCaller(config.auth));
    const limits = { ...DEFAULT_GRAPHQL_LIMITS, ...config.graphqlLimits };
    // Unset (a hand-built config, as in tests): no caps; loadConfig gives the documented defaults.
    const wsSpans = new GraphqlWsSpans();
    const wsLimits = new WsCallerLimits(
      config.wsLimits ?? { maxConnectionsPerCaller: 0, maxSubscriptionsPerCaller: 0 },
    );
    return {
      module: AppModule,
      imports: [
        // First, so that its request logging (and request id) wraps every route's middleware.
        ObservabilityModule.forRoot(config.logging),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          // Off in production unless GRAPHQL_INTROSPECTION says otherwise: the schema is a map for an attacker.
          introspection: config.graphqlIntrospection ?? !config.production,
          // Explicit: Apollo's default shows stack traces (server paths included) whenever NODE_ENV is not
          // 'production' or 'test', and `npm start` sets none. GRAPHQL_DEBUG=true turns them on.
          includeStacktraceInErrorResponses: config.graphqlDebug === true,
          // Aliases, depth, cost and directives are checked before an operation runs (GRAPHQL_MAX_*); one array
          // body of many operations would multiply every limit, so batching stays off (Apollo's default, made explicit).
          validationRules: graphqlLimitRules(limits),
          allowBatchedHttpRequests: false,
          plugins: [
            graphqlTracingPlugin,
            graphqlLimitErrorsPlugin,
            graphqlLandingPage(config.graphqlLandingPage ?? !config.production, config.jobQueue.explorer !== false),
          ],
          subscriptions: {
            'graphql-ws': {
              // Without it, graphql-ws closes the socket with 4500 (internal error) when the parser overflows the stack.
              // Then the caller's cap on operations in flight (GRAPHQL_WS_MAX_SUBSCRIPTIONS_PER_CALLER): RATE_LIMITED.
              // Each operation's span starts here and ends when it has started (onOperation) or was refused (onError).
              onSubscribe: (context, id, payload) => {
                wsSpans.started(context, id);
                const error = queryNestingError(payload.query) ?? wsLimits.subscriptionRefusal(context);
                return error ? [error] : undefined;
              },
              ...(wsSpans.endingHooks as object),
              // Credentials are checked once, at connection_init: refused ones close the socket with 4403 Forbidden.
              // Without sign-in every connection is the anonymous administrator, known at once all the same.
              // A browser's upgrade from an origin outside CORS_ORIGINS is refused first, with the same 4403.
              // An accepted caller's connection over GRAPHQL_WS_MAX_CONNECTIONS_PER_CALLER is closed with 4429.
              onConnect: refuseForeignOrigins(
                config.corsOrigins ?? [],
                wsLimits.capConnections(authenticateConnections(resolveCaller ?? (() => ANONYMOUS_ADMIN))),
              ),
              onClose: wsLimits.forget,
              // The same limits over graphql-ws: a refused subscribe answers their errors, the socket stays open.
              ...({ validate: validateWithLimits(limits) } as object),
              // Identical jobUpdated subscriptions of one caller execute each event once, for all of them. Nest's
              // type leaves `subscribe` out, but GqlSubscriptionService spreads these options over its own.
              ...({
                subscribe: shareSubscriptions({ fields: ['jobUpdated'], maxUnread: MAX_UNREAD_JOB_UPDATES }),
              } as object),
            },
          },
          context: ({ req }: { req?: Request }) => ({ req }),
        }),
        JobQueueModule.forRoot({ ...config.jobQueue, resolveCaller }),
        HttpSecurityModule.forRoot({ corsOrigins: config.corsOrigins ?? [], metricsToken: config.metricsToken }),
        RateLimitModule.forRoot(config.rateLimits ?? { mutationsPerMinute: 0, uploadsPerMinute: 0 }),
      ],
      exports: [JobQueueModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // Registered before Apollo's own middleware on /graphql (Nest adds middleware before calling onModuleInit).
    // The operation's span first: a request refused by the nesting check is traced too.
    consumer.apply(graphqlRequestSpan, GraphQLNestingMiddleware).forRoutes('graphql');
  }
}
