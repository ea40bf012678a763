import { BatchSpanProcessor, InMemorySpanExporter, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import Database from 'better-sqlite3';
import { type BenchDatabase, withClient } from './databases';

export { TRACING_ENV } from './options';

/**
 * The OpenTelemetry SDK as a host would register it (NodeTracerProvider, a BatchSpanProcessor, the AsyncLocalStorage
 * context manager), exporting to memory instead of a collector: the cost measured is the SDK's and ours, not a
 * network's. Returns how many spans it exported, once flushed.
 */
export function registerInMemoryTracing(): { exportedSpans(): Promise<number> } {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({
    // Generous: a burn-down ends thousands of spans a second, and a dropped span would flatter the figure.
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 100_000, maxExportBatchSize: 2_048 })],
  });
  provider.register();
  return {
    exportedSpans: async () => {
      await provider.forceFlush();
      return exporter.getFinishedSpans().length;
    },
  };
}

/**
 * Gives every queued job the trace context an upload in a traced request would have stored, so that each
 * job.process span carries its link as in production. One statement before the clock starts.
 */
export async function storeTraceContexts(db: BenchDatabase): Promise<void> {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  if (db.kind === 'sqlite') {
    const sqlite = new Database(db.url.replace(/^file:/, ''));
    try {
      sqlite.prepare('UPDATE processing_jobs SET trace_context = ?').run(traceparent);
    } finally {
      sqlite.close();
    }
    return;
  }
  // The record's, apart from its state.
  await withClient(db.url, (client) => client.query('UPDATE job_records SET trace_context = $1', [traceparent]));
}
