import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, type GraphQLObjectType } from 'graphql';
import type { TestDatabase } from './database';
import { type GraphQLErrorBody, type TestApp, waitFor } from './test-app';

/** The ProcessingJob fields the API suites select (scalars of the public contract). */
export const JOB_FIELDS =
  'id fileId fileName fileSize format status progress stage priority options runAt maxRetries retryCount errorCode startedAt completedAt createdAt updatedAt';

export const ENQUEUE_JOB = `mutation($input: EnqueueJobInput!) { enqueueJob(input: $input) { ${JOB_FIELDS} } }`;
export const ENQUEUE_JOBS = `mutation($inputs: [EnqueueJobInput!]!) { enqueueJobs(inputs: $inputs) { ${JOB_FIELDS} } }`;
export const JOB = `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} attempts { number } } }`;
export const CANCEL_JOB = `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`;
export const RETRY_JOB = `mutation($id: ID!) { retryJob(id: $id) { ${JOB_FIELDS} } }`;
export const JOBS = `query($filter: JobFilter, $first: Int, $after: String) {
  jobs(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id } } pageInfo { hasNextPage endCursor } totalCount
  }
}`;

export interface GqlResult<T> {
  status: number;
  data: T | null;
  errors?: GraphQLErrorBody[];
}

/** POST /graphql. Fails the test on HTTP 500 or an INTERNAL_SERVER_ERROR, which no API call may produce. */
export async function gql<T = any>(
  service: TestApp,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GqlResult<T>> {
  const response = await service.http().post('/graphql').send({ query, variables });
  expect(response.status).not.toBe(500);
  const errors: GraphQLErrorBody[] | undefined = response.body.errors;
  expect((errors ?? []).map((error) => error.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');
  return { status: response.status, data: response.body.data ?? null, errors };
}

/** The data of an operation that must succeed without errors. */
export async function gqlData<T = any>(
  service: TestApp,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const result = await gql<T>(service, query, variables);
  expect(result.errors).toBeUndefined();
  return result.data as T;
}

/** An operation that must fail with exactly one error: its extensions.code, message and the data beside it. */
export async function gqlError(service: TestApp, query: string, variables?: Record<string, unknown>) {
  const result = await gql(service, query, variables);
  expect(result.errors).toHaveLength(1);
  const [error] = result.errors!;
  return { code: error.extensions?.code, message: error.message, data: result.data };
}

/** totalCount of the unfiltered jobs query. */
export async function totalJobs(service: TestApp): Promise<number> {
  return (await gqlData(service, JOBS, { first: 0 })).jobs.totalCount;
}

export interface UploadRequest {
  name?: string;
  content?: string | Buffer;
  fields?: Record<string, string>;
}

/** POST /files with the content in the `file` field and the given form fields; await it or chain .expect(). */
export function upload(service: TestApp, { name = 'notes.txt', content = 'hello', fields = {} }: UploadRequest = {}) {
  const request = service.http().post('/files');
  for (const [field, value] of Object.entries(fields)) request.field(field, value);
  return request.attach('file', Buffer.from(content), name);
}

/**
 * Uploads `content` as `name`, then reads its job with `query` (`job(id: $id) { status ... }`) until it is COMPLETED,
 * FAILED or CANCELLED, and resolves with it.
 */
export async function uploadUntilSettled(
  service: TestApp,
  { name, content }: { name: string; content: string | Buffer },
  query: string,
  timeoutMs = 30_000,
) {
  const response = await upload(service, { name, content }).expect(201);
  return waitFor(async () => {
    const { data } = await service.gql(query, { id: response.body.job.id });
    return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(data?.job?.status) ? data.job : null;
  }, timeoutMs);
}

/** Uploads with enqueue=false and returns the new file's id. */
export async function uploadFileId(
  service: TestApp,
  name = 'notes.txt',
  content: string | Buffer = 'hello',
): Promise<string> {
  const response = await upload(service, { name, content, fields: { enqueue: 'false' } }).expect(201);
  expect(response.body.job).toBeNull();
  return response.body.file.id;
}

export interface MultipartPart {
  name: string;
  value: string | Buffer;
  /** Set for a file part; written to the Content-Disposition exactly as given. */
  filename?: string;
}

/** A multipart/form-data body written by hand, so that a filename reaches the server byte for byte. */
export function multipart(parts: MultipartPart[]): { contentType: string; body: Buffer } {
  const boundary = `----test-boundary-${Math.random().toString(36).slice(2)}`;
  const chunks = parts.flatMap((part) => {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n';
    return [
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      Buffer.from(part.value),
      Buffer.from('\r\n'),
    ];
  });
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    body: Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]),
  };
}

export const sha256 = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

/** What is on disk in the app's storage directory: stored files, and the incoming/ folder of uploads in flight. */
export function storageContents(database: TestDatabase): { stored: string[]; incoming: string[] } {
  const root = path.join(database.dir, 'files');
  return {
    stored: readdirSync(root)
      .filter((name) => name !== 'incoming')
      .sort(),
    incoming: readdirSync(path.join(root, 'incoming')).sort(),
  };
}

/** The field names of ProcessingJob in the public contract (test/contract/schema.graphql). */
export function contractJobFields(): string[] {
  const schema = buildSchema(readFileSync(path.join(__dirname, '../contract/schema.graphql'), 'utf8'));
  return Object.keys((schema.getType('ProcessingJob') as GraphQLObjectType).getFields());
}
