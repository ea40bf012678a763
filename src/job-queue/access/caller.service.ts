import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { AccessException } from '../common/access.exception';
import type { Caller } from '../common/caller';
import { isWsConnection, type WsConnection, wsCallerContext } from '../common/caller-context';
import { connectionCaller, rememberConnectionCaller } from '../common/connection-callers';

/** The GraphQL context of an operation: `req` is the express request, or the graphql-ws connection for subscriptions. */
export interface GraphQLCallerContext {
  req?: unknown;
}

/** What carries the caller: the express request (REST) or the GraphQL context. */
export type CallerCarrier = Request | GraphQLCallerContext;

/** Resolves the caller of an HTTP request, GraphQL operation or subscription by the host's rule. */
@Injectable()
export class CallerService {
  /** One resolution per HTTP request, however many fields (or aliases) of it ask. */
  private readonly requestCallers = new WeakMap<Request, Promise<Caller>>();

  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  resolve(carrier: CallerCarrier): Promise<Caller> {
    const source = carriedBy(carrier);
    if (!source) return Promise.reject(AccessException.unauthenticated('No request or connection carries the caller'));
    if (isWsConnection(source)) return this.connection(source);
    let caller = this.requestCallers.get(source);
    if (!caller) {
      caller = Promise.resolve().then(() => this.options.resolveCaller({ transport: 'http', request: source }));
      this.requestCallers.set(source, caller);
    }
    return caller;
  }

  /** Resolved at connection_init when the host installed authenticateConnections; else once, on first use. */
  private async connection(connection: WsConnection): Promise<Caller> {
    const known = connectionCaller(connection);
    if (known) return known;
    const caller = await this.options.resolveCaller(wsCallerContext(connection));
    rememberConnectionCaller(connection, caller);
    return caller;
  }
}

function carriedBy(carrier: unknown): Request | WsConnection | undefined {
  if (isWsConnection(carrier) || isHttpRequest(carrier)) return carrier;
  const req = (carrier as GraphQLCallerContext | undefined)?.req;
  return isWsConnection(req) || isHttpRequest(req) ? req : undefined;
}

function isHttpRequest(value: unknown): value is Request {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Request).method === 'string' &&
    typeof (value as Request).headers === 'object'
  );
}
