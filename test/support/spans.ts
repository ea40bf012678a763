import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { waitFor } from './test-app';

export interface RecordedSpans {
  exporter: InMemorySpanExporter;
  /** The ended spans named `name`, in the order they ended. */
  named(name: string): ReadableSpan[];
  /** Waits until a span named `name` whose attribute `key` is `value` has ended, and returns it. */
  ended(name: string, key: string, value: unknown): Promise<ReadableSpan>;
  stop(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK for the suite: a NodeTracerProvider whose register() installs the
 * AsyncLocalStorage context manager and the W3C propagators, every span exported at its end to memory. stop()
 * shuts it down and unregisters the API's globals, as a host's shutdown would.
 */
export function recordSpans(): RecordedSpans {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  const named = (name: string) => exporter.getFinishedSpans().filter((span) => span.name === name);
  return {
    exporter,
    named,
    ended: (name, key, value) => waitFor(() => named(name).find((span) => span.attributes[key] === value), 15_000, 20),
    stop: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export const idOf = (span: ReadableSpan) => span.spanContext().spanId;
export const traceOf = (span: ReadableSpan) => span.spanContext().traceId;
export const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
export const kindName = (span: ReadableSpan) => SpanKind[span.kind];
/** The span's events as `name` or `name {attributes}` lines, in order: one exact assertion covers them all. */
export const eventsOf = (span: ReadableSpan) =>
  span.events.map((event) =>
    event.attributes && Object.keys(event.attributes).length > 0
      ? `${event.name} ${JSON.stringify(event.attributes)}`
      : event.name,
  );
