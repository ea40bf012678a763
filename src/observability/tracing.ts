import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** The service name when OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) does not give one. */
export const DEFAULT_SERVICE_NAME = 'nest-file-jobs';

type Env = Record<string, string | undefined>;

/** Whether the environment asks for traces to be exported (OTLP/HTTP), by the OpenTelemetry conventions. */
export function tracingRequested(env: Env): boolean {
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return !disabled && Boolean(endpoint) && env.OTEL_TRACES_EXPORTER?.trim() !== 'none';
}

let provider: NodeTracerProvider | null = null;

/**
 * The standalone server's tracing SDK, registered before the app is built when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: spans are batched and sent over OTLP/HTTP, the exporter reading the
 * other OTEL_EXPORTER_OTLP_* settings (headers, timeout, compression) itself; the resource takes OTEL_SERVICE_NAME
 * and OTEL_RESOURCE_ATTRIBUTES. Registering also installs the W3C trace-context propagator (an incoming
 * `traceparent` is continued) and the AsyncLocalStorage context manager. Unset: nothing is registered and every
 * span of the queue is the API's no-op. Returns whether it started.
 */
export function startTracing(env: Env = process.env, version?: string): boolean {
  if (provider || !tracingRequested(env)) return false;
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: DEFAULT_SERVICE_NAME,
    ...(version ? { [ATTR_SERVICE_VERSION]: version } : {}),
  }).merge(detectResources({ detectors: [envDetector] }));
  provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return true;
}

/** Sends the spans still buffered and stops the SDK: at shutdown, after the workers drained. */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = null;
  await stopping?.shutdown();
}
