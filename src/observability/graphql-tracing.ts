import type { ApolloServerPlugin } from '@apollo/server';
import { type Span, SpanStatusCode } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { inRequestSpan } from '../job-queue/common/tracing';

/** The span of each GraphQL request over HTTP, found again by the Apollo plugin that names it. */
const requestSpans = new WeakMap<Request, Span>();

/**
 * Middleware on /graphql: the request runs in a span of its own (a child of the client's `traceparent`, or of a
 * host's HTTP span), active while Apollo executes it, so that what a resolver does (an enqueue, whose jobs then
 * link to it) is part of the operation's trace. The plugin below names it once the operation is known.
 */
export function graphqlRequestSpan(request: Request, response: Response, next: NextFunction): void {
  if (request.method !== 'POST' && !(request.method === 'GET' && request.query.query)) return next();
  void inRequestSpan(
    'graphql',
    { 'http.request.method': request.method, 'http.route': '/graphql' },
    request.headers,
    (span) => {
      requestSpans.set(request, span);
      return new Promise<void>((resolve) => {
        response.once('close', () => {
          if (span.isRecording()) span.setAttribute('http.response.status_code', response.statusCode);
          resolve();
        });
        next();
      });
    },
  );
}

/**
 * Names the request's span `<type> <operationName>` (`mutation EnqueueJob`; the type alone for an anonymous
 * operation) with the GraphQL semantic-convention attributes, and marks it failed when the operation has errors.
 */
export const graphqlTracingPlugin: ApolloServerPlugin<{ req?: Request }> = {
  requestDidStart({ contextValue }) {
    const span = contextValue.req && requestSpans.get(contextValue.req);
    if (!span?.isRecording()) return Promise.resolve();
    return Promise.resolve({
      didResolveOperation({ operation, operationName }) {
        const type = operation?.operation ?? 'query';
        span.updateName(operationName ? `${type} ${operationName}` : type);
        span.setAttribute('graphql.operation.type', type);
        if (operationName) span.setAttribute('graphql.operation.name', operationName);
        return Promise.resolve();
      },
      didEncounterErrors({ errors }) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errors.map((error) => error.message).join('; ') });
        return Promise.resolve();
      },
    });
  },
};
