import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import {
  type Server,
  START_TIMEOUT_MS,
  startServer,
  stopServer,
  storedTraceContext,
} from '../support/standalone-server';
import { waitFor } from '../support/test-app';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface OtlpSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A stand-in OpenTelemetry collector: keeps what arrives at POST /v1/traces (OTLP/HTTP, JSON). */
function startCollector(): Promise<{ server: HttpServer; url: string; exports: OtlpExport[]; paths: string[] }> {
  const exports: OtlpExport[] = [];
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      exports.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, paths }),
    ),
  );
}

const attribute = (attributes: OtlpAttribute[], key: string) => {
  const value = attributes.find((entry) => entry.key === key)?.value;
  return value?.stringValue ?? value?.intValue;
};

describe(`The standalone server with OTEL_EXPORTER_OTLP_ENDPOINT (${databaseLabel})`, () => {
  let database: TestDatabase;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let server: Server | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    collector = await startCollector();
  });

  afterAll(async () => {
    await stopServer(server);
    collector?.server.closeAllConnections(); // the exporter's keep-alive connection would hold the process open
    collector?.server.close();
    await database?.drop();
  });

  it(
    'sends the spans of an upload to the collector over OTLP/HTTP, under OTEL_SERVICE_NAME, by shutdown at the latest',
    async () => {
      server = await startServer(database, {
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'file-jobs-under-test',
      });
      expect(server.lines.map((line) => line.msg)).toContain(
        'Exporting traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)',
      );
      const response = await request(server.url)
        .post('/files')
        .attach('file', Buffer.from('traced all the way'), 'exported.txt')
        .expect(201);
      const jobId: string = response.body.job.id;
      await waitFor(() => server!.lines.find((line) => line.jobId === jobId && line.outcome === 'COMPLETED'));
      await stopServer(server); // flushes what the batch processor still holds
      const spans = collector.exports.flatMap((exported) =>
        exported.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
      );
      expect(new Set(collector.paths)).toEqual(new Set(['POST /v1/traces application/json']));
      const services = collector.exports.flatMap((exported) =>
        exported.resourceSpans.map((resource) => attribute(resource.resource.attributes, 'service.name')),
      );
      expect(new Set(services)).toEqual(new Set(['file-jobs-under-test']));
      const named = (name: string) => spans.filter((span) => span.name === name);
      const [upload] = named('POST /files');
      const [enqueue] = named('job.enqueue');
      const [processed] = named('job.process');
      expect(attribute(upload.attributes, 'file_jobs.job.id')).toBe(jobId);
      expect(enqueue.parentSpanId).toBe(upload.spanId);
      expect(attribute(processed.attributes, 'messaging.message.id')).toBe(jobId);
      expect(processed.links?.map((link) => [link.traceId, link.spanId])).toEqual([[enqueue.traceId, enqueue.spanId]]);
      // Control to the untraced server's null: with an SDK the context is stored with the job.
      expect(await storedTraceContext(database, jobId)).toBe(`00-${enqueue.traceId}-${enqueue.spanId}-01`);
    },
    START_TIMEOUT_MS,
  );
});
