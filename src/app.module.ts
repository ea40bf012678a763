import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Request } from 'express';
import type { AppConfig } from './config/environment';
import { JobQueueModule } from './job-queue';

/** The standalone service: the job queue module behind Apollo GraphQL (HTTP and graphql-ws on /graphql). */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          path: '/graphql',
          autoSchemaFile: true,
          sortSchema: true,
          playground: false,
          introspection: true,
          // Explicit: Apollo's default shows stack traces (server paths included) whenever NODE_ENV is not
          // 'production' or 'test', and `npm start` sets none. GRAPHQL_DEBUG=true turns them on.
          includeStacktraceInErrorResponses: config.graphqlDebug === true,
          plugins: config.production ? [] : [ApolloServerPluginLandingPageLocalDefault({ embed: true })],
          subscriptions: { 'graphql-ws': true },
          context: ({ req }: { req?: Request }) => ({ req }),
        }),
        JobQueueModule.forRoot(config.jobQueue),
      ],
      exports: [JobQueueModule],
    };
  }
}
