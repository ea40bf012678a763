import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DynamicModule } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import pretty from 'pino-pretty';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
/** pino's levels; `silent` logs nothing. Nest's own levels map onto them (log → info, verbose → trace). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_FORMAT and LOG_LEVEL, checked by loadConfig. */
export interface LogSettings {
  format: LogFormat;
  level: LogLevel;
}

export const REQUEST_ID_HEADER = 'x-request-id';
/**
 * A client's request id is kept only when it is short plain text: it lands in every log line of the request and
 * in the response header, so an unbounded or arbitrary one could forge or flood log lines.
 */
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's id: the client's `x-request-id` when acceptable, a new UUID otherwise; echoed in the response. */
export function requestId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers[REQUEST_ID_HEADER];
  const id = typeof given === 'string' && ACCEPTED_REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

/** The active span's ids on every line logged inside it, to go from a log line to its trace (none without an SDK). */
function traceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/**
 * The standalone server's logger: pino through nestjs-pino, JSON lines (one object a line, for a collector) or
 * pino-pretty's text, at LOG_LEVEL. Every HTTP request gets one line when it ends, with its id (`req.id`), and the
 * lines logged while it is handled carry that id too. Credentials are never written.
 */
export function loggingModule(settings: LogSettings): DynamicModule {
  const options: Options = {
    level: settings.level,
    genReqId: requestId,
    mixin: traceFields,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'],
  };
  // Pretty text is formatted in this thread, synchronously: pino's transport starts a worker thread, and the
  // standalone server's peak memory under ten alias bombs (test/e2e/graphql-limits) went from 281 MB to 437 MB.
  const stream =
    settings.format === 'pretty'
      ? pretty({ singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true })
      : undefined;
  return LoggerModule.forRoot({ pinoHttp: stream ? [options, stream] : options });
}
