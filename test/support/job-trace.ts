/**
 * The trace of one upload, as the tracing e2e suites check it on one instance and across two: the client's own trace
 * continued by the request span, the enqueue span its child, and the job's job.process span linked to the enqueue.
 */
import { upload } from './api-helpers';
import { eventsOf, idOf, kindName, parentOf, type RecordedSpans, traceOf } from './spans';
import type { TestApp } from './test-app';

/** A client's own trace: the upload's request span continues it. */
export const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_TRACEPARENT = `00-${CLIENT_TRACE_ID}-00f067aa0ba902b7-01`;

const TEXT_STAGE_EVENTS = [
  'stage VALIDATING {"file_jobs.stage":"VALIDATING"}',
  'stage READING {"file_jobs.stage":"READING"}',
  'stage EXTRACTING {"file_jobs.stage":"EXTRACTING"}',
  'stage ANALYZING {"file_jobs.stage":"ANALYZING"}',
  'stage FINALIZING {"file_jobs.stage":"FINALIZING"}',
];

/** What every job.process span carries besides the job's own fields. */
const PROCESS_ATTRIBUTES = {
  'messaging.system': 'nest_file_jobs',
  'messaging.destination.name': 'file_jobs',
  'messaging.operation.type': 'process',
  'messaging.operation.name': 'process',
  'messaging.operation': 'process',
};

/** The trace of one upload: request span -> enqueue span (its child) <- job.process (linked). */
export async function uploadTrace(spans: RecordedSpans, service: TestApp) {
  const response = await upload(service, { name: 'traced.txt', content: 'the quick brown fox jumps over it' })
    .set('traceparent', CLIENT_TRACEPARENT)
    .expect(201);
  const jobId: string = response.body.job.id;
  const processed = await spans.ended('job.process', 'messaging.message.id', jobId);
  const request = await spans.ended('POST /files', 'file_jobs.job.id', jobId);
  const enqueue = spans.named('job.enqueue').find((span) => span.attributes['messaging.message.id'] === jobId)!;
  return { jobId, request, enqueue, processed };
}

/** The assertions both databases share: one connected trace, the job's id on it, and its outcome committed. */
export function expectConnectedTrace(
  { jobId, request, enqueue, processed }: Awaited<ReturnType<typeof uploadTrace>>,
  storedContext: string | null,
) {
  expect({ kind: kindName(request), trace: traceOf(request), parent: parentOf(request) }).toEqual({
    kind: 'SERVER',
    trace: CLIENT_TRACE_ID,
    parent: '00f067aa0ba902b7',
  });
  expect(request.attributes).toEqual({
    'http.request.method': 'POST',
    'http.route': '/files',
    'file_jobs.job.id': jobId,
  });
  expect({ kind: kindName(enqueue), trace: traceOf(enqueue), parent: parentOf(enqueue) }).toEqual({
    kind: 'PRODUCER',
    trace: CLIENT_TRACE_ID,
    parent: idOf(request),
  });
  // Stored as W3C traceparent: the enqueue span's own context.
  expect(storedContext).toBe(`00-${CLIENT_TRACE_ID}-${idOf(enqueue)}-01`);
  // The worker's span starts a trace of its own (the job may run long after the request) linked to the enqueue.
  expect(kindName(processed)).toBe('CONSUMER');
  expect(parentOf(processed)).toBeUndefined();
  expect(traceOf(processed)).not.toBe(CLIENT_TRACE_ID);
  expect(processed.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([
    [CLIENT_TRACE_ID, idOf(enqueue)],
  ]);
  expect(processed.attributes).toMatchObject({
    ...PROCESS_ATTRIBUTES,
    'messaging.message.id': jobId,
    'file_jobs.job.id': jobId,
    'file_jobs.format': 'txt',
    'file_jobs.attempt': 1,
    'file_jobs.outcome': 'COMPLETED',
  });
  expect(eventsOf(processed)).toEqual([
    ...TEXT_STAGE_EVENTS,
    'job.outcome_committed {"file_jobs.outcome":"COMPLETED"}',
  ]);
}

export const storedTraceContext = async (service: TestApp, jobId: string) =>
  (await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id: jobId } })).traceContext;
