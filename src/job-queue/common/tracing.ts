import {
  type Attributes,
  type Context,
  context,
  createTraceState,
  isSpanContextValid,
  type Link,
  propagation,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * The queue's tracer, through the OpenTelemetry API alone: the host (or the standalone server) registers an SDK,
 * or none, and then every span is the API's no-op. Taken once: the proxy it returns finds the SDK registered later.
 */
export const queueTracer = trace.getTracer('nest-file-jobs');

/** Messaging semantic conventions: the queue is the messaging system and its jobs the messages. */
export const MESSAGING_SYSTEM = 'nest_file_jobs';
export const MESSAGING_DESTINATION = 'file_jobs';

/** The attributes every span about queue messages carries, by operation ("send" at enqueue, "process" in a worker). */
export function messagingAttributes(operation: 'send' | 'process'): Attributes {
  return {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.destination.name': MESSAGING_DESTINATION,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    // The name before semantic conventions 1.26, still what many back ends chart.
    'messaging.operation': operation,
  };
}

/**
 * The span's context as W3C trace context: its `traceparent`, then a space and its `tracestate` when it has one
 * (a serialized tracestate holds no spaces). Null for an invalid context (no SDK, or nothing being traced): the
 * job's column stays null and nothing more is written.
 */
export function traceContextOf(span: Span): string | null {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return null;
  const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const tracestate = spanContext.traceState?.serialize();
  return tracestate ? `${traceparent} ${tracestate}` : traceparent;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The stored trace context back as a remote span context, or null when there is none or it does not parse. */
export function spanContextFrom(stored: string | null): SpanContext | null {
  if (!stored) return null;
  const space = stored.indexOf(' ');
  const match = TRACEPARENT.exec(space === -1 ? stored : stored.slice(0, space));
  if (!match) return null;
  const spanContext: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
    traceState: space === -1 ? undefined : createTraceState(stored.slice(space + 1)),
  };
  return isSpanContextValid(spanContext) ? spanContext : null;
}

/** A link to the span that enqueued the job, when one was stored. */
export function linksTo(stored: string | null): Link[] | undefined {
  const spanContext = spanContextFrom(stored);
  return spanContext ? [{ context: spanContext }] : undefined;
}

/**
 * Runs `work` in a span named `name`: a child of the active span when there is one (a host's HTTP instrumentation
 * started the request's span: ours nests in it, INTERNAL), else a SERVER span continuing the `traceparent` of
 * `headers` (through the registered propagator). It ends when the work settles, with the error when it throws.
 */
export function inRequestSpan<T>(
  name: string,
  attributes: Attributes,
  headers: Record<string, unknown>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const active = context.active();
  const nested = trace.getSpan(active) !== undefined;
  const parent = nested ? active : propagation.extract(active, headers);
  const kind = nested ? SpanKind.INTERNAL : SpanKind.SERVER;
  return inSpan(name, { kind, attributes }, work, parent);
}

/**
 * Runs `work` in an active span, a child of `parent` (the active context unless given), ended when the work settles,
 * with the error when it throws.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  return queueTracer.startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks the span failed with the error, when the span records at all. */
export function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : undefined });
}
