import type { ApolloServerPlugin } from '@apollo/server';
import { propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { type ExecutionArgs, getOperationAST, type GraphQLError } from 'graphql';
import type { Context, ServerOptions } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import { inRequestSpan, queueTracer } from '../job-queue/common/tracing';

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

/** graphql-ws's connection (one per socket); over `ws` its `extra` holds the upgrade request. */
type WsConnection = Context<Record<string, unknown> | undefined, unknown>;

/**
 * Operations over graphql-ws (subscriptions, and any query or mutation sent on the socket) get a span as over HTTP:
 * from the subscribe message until the operation has started (a subscription's stream is set up, a query has
 * answered), named `<type> <operationName>` then, or failed with the errors it was refused with (limits, validation).
 * It continues a `traceparent` of the upgrade request. A subscription's events are not spans: a stream may last
 * hours and carry thousands of them.
 */
export class GraphqlWsSpans {
  /** The spans of operations starting, by connection, then by the operation's id (unique within a connection). */
  private readonly starting = new WeakMap<WsConnection, Map<string, Span>>();

  /** At the subscribe message (graphql-ws `onSubscribe`, before the operation is parsed). */
  started(connection: WsConnection, id: string): void {
    const headers = (connection.extra as { request?: IncomingMessage } | undefined)?.request?.headers ?? {};
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const span = queueTracer.startSpan('graphql', { kind: SpanKind.SERVER, attributes: WS_ATTRIBUTES }, parent);
    if (!span.isRecording()) return;
    let spans = this.starting.get(connection);
    if (!spans) this.starting.set(connection, (spans = new Map<string, Span>()));
    spans.set(id, span);
  }

  /** The graphql-ws hooks that end the spans, to spread into its options (Nest's type names neither). */
  readonly endingHooks: Pick<ServerOptions, 'onOperation' | 'onError'> = {
    onOperation: (connection, id, _payload, args) => this.operated(connection, id, args),
    onError: (connection, id, _payload, errors) => this.failed(connection, id, errors),
  };

  /** The operation started (graphql-ws `onOperation`): named from its document, then ended. */
  private operated(connection: WsConnection, id: string, args: ExecutionArgs): void {
    const span = this.take(connection, id);
    if (!span) return;
    const operation = getOperationAST(args.document, args.operationName);
    const type = operation?.operation ?? 'query';
    const name = operation?.name?.value;
    span.updateName(name ? `${type} ${name}` : type);
    span.setAttribute('graphql.operation.type', type);
    if (name) span.setAttribute('graphql.operation.name', name);
    span.end();
  }

  /** The operation was refused or failed before it started (graphql-ws `onError`). */
  private failed(connection: WsConnection, id: string, errors: readonly GraphQLError[]): void {
    const span = this.take(connection, id);
    if (!span) return;
    span.setStatus({ code: SpanStatusCode.ERROR, message: errors.map((error) => error.message).join('; ') });
    span.end();
  }

  private take(connection: WsConnection, id: string): Span | undefined {
    const spans = this.starting.get(connection);
    const span = spans?.get(id);
    spans?.delete(id);
    return span;
  }
}

const WS_ATTRIBUTES = { 'network.protocol.name': 'websocket', 'http.route': '/graphql' };
