import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { contractJobFields, multipart, sha256, storageContents, upload } from '../support/api-helpers';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { startTestApp, type TestApp, useTestApp } from '../support/test-app';

const INTERNAL_JOB_FIELDS = ['leaseOwner', 'leaseExpiresAt', 'availableAt', 'attemptCount', 'idempotencyKey'];

/** Everything the service keeps of uploads: rows and files on disk. */
async function kept(service: TestApp, database: TestDatabase) {
  const db = service.prisma.client;
  return { files: await db.storedFile.count(), jobs: await db.processingJob.count(), disk: storageContents(database) };
}

describe(`POST /files (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service, database } = started));

  it('answers 201 with the stored file (sha256 checksum) and its PENDING job, without internal job fields', async () => {
    const content = 'alpha\nbeta ünïcode\n';
    const response = await upload(service, { name: 'notes.txt', content }).expect(201).expect('Content-Type', /json/);
    const { file, job } = response.body;
    expect(Object.keys(response.body).sort()).toEqual(['file', 'job']);
    expect(file).toEqual({
      id: expect.any(String),
      name: 'notes.txt',
      size: Buffer.byteLength(content),
      format: 'txt',
      checksum: sha256(content),
    });
    expect(job).toMatchObject({
      id: expect.any(String),
      fileId: file.id,
      fileName: 'notes.txt',
      fileSize: Buffer.byteLength(content),
      format: 'txt',
      status: 'PENDING',
      stage: 'QUEUED',
      progress: 0,
      priority: 'NORMAL',
      maxRetries: 3,
      retryCount: 0,
      options: null,
      runAt: null,
    });
    for (const field of INTERNAL_JOB_FIELDS) expect(job).not.toHaveProperty(field);

    const row = await service.prisma.client.storedFile.findUniqueOrThrow({
      where: { id: file.id },
      include: { jobs: true },
    });
    expect(row).toMatchObject({
      originalName: 'notes.txt',
      size: BigInt(Buffer.byteLength(content)),
      checksum: sha256(content),
    });
    expect(row.jobs.map((stored) => stored.id)).toEqual([job.id]);
    expect(readFileSync(path.join(database.dir, 'files', row.storagePath), 'utf8')).toBe(content);
  });

  // KNOWN BUG (src/job-queue/jobs/models/processing-job.model.ts, fromRecord): the internal column
  // nextAttemptManual is not stripped, so the REST job carries a field that is not in the public contract.
  // Remove `.failing` once fixed.
  it('the job in the response has exactly the contract fields of ProcessingJob', async () => {
    const { body } = await upload(service).expect(201);
    const expected = contractJobFields().filter((field) => field !== 'attempts');
    expect(Object.keys(body.job).sort()).toEqual(expected.sort());
  });

  it('applies priority (any case), maxRetries and options to the job', async () => {
    const fields = { priority: 'hIgH', maxRetries: '5', options: '{"a":1}' };
    const { body } = await upload(service, { fields }).expect(201);
    expect(body.job).toMatchObject({ priority: 'HIGH', maxRetries: 5, options: { a: 1 } });
    const row = await service.prisma.client.processingJob.findUniqueOrThrow({ where: { id: body.job.id } });
    expect(row).toMatchObject({ priority: 3, maxRetries: 5, options: { a: 1 } });
  });

  it('enqueue=false stores the file and creates no job', async () => {
    const before = await kept(service, database);
    const { body } = await upload(service, { fields: { enqueue: 'false' } }).expect(201);
    expect(body.job).toBeNull();
    expect(await service.prisma.client.processingJob.count({ where: { fileId: body.file.id } })).toBe(0);
    expect(await kept(service, database)).toMatchObject({ files: before.files + 1, jobs: before.jobs });
  });

  it('answers 415 to a body that is not multipart', async () => {
    const response = await service.http().post('/files').send({ file: 'hello' }).expect(415);
    expect(response.body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it.each([
    ['only fields', [{ name: 'priority', value: 'high' }]],
    ['the file under another field name', [{ name: 'document', value: 'hello', filename: 'a.txt' }]],
  ])('answers 400 to multipart without the "file" field (%s), keeping nothing', async (_case, parts) => {
    const before = await kept(service, database);
    const { contentType, body } = multipart(parts);
    const response = await service.http().post('/files').set('Content-Type', contentType).send(body).expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      code: 'BAD_USER_INPUT',
      message: 'The form has no file in the field "file"',
    });
    expect(await kept(service, database)).toEqual(before);
  });

  it.each([
    ['priority', 'urgent'],
    ['maxRetries', '-1'],
    ['maxRetries', 'abc'],
    ['maxRetries', '101'],
    ['options', '{bad'],
    ['options', '[1]'],
    ['enqueue', 'maybe'],
    ['colour', 'red'],
  ])('answers 400 naming the field to %s=%s and keeps no file', async (field, value) => {
    const before = await kept(service, database);
    const response = await upload(service, { fields: { [field]: value } }).expect(400);
    expect(response.body).toMatchObject({ statusCode: 400, code: 'BAD_USER_INPUT' });
    expect(response.body.message).toContain(field);
    expect(await kept(service, database)).toEqual(before);
  });

  // KNOWN BUG (src/job-queue/files/files.controller.ts, upload): when jobs.enqueue rejects the options
  // (INVALID_INPUT), the already stored file is not removed; only parseUploadFields errors remove it.
  it('keeps no file when the queue rejects the options (options.timeoutMs out of range)', async () => {
    const before = await kept(service, database);
    const response = await upload(service, { fields: { options: '{"timeoutMs":-1}' } }).expect(400);
    expect(response.body.message).toContain('options.timeoutMs');
    expect(await kept(service, database)).toEqual(before);
  });

  it.each([
    ['../../etc/passwd.txt', 'passwd.txt'],
    ['..\\..\\evil.txt', 'evil.txt'],
  ])('stores %s under a generated name inside the storage directory', async (clientName, lastSegment) => {
    const parts = [
      { name: 'enqueue', value: 'false' },
      { name: 'file', value: 'escape attempt', filename: clientName },
    ];
    const { contentType, body } = multipart(parts);
    const response = await service.http().post('/files').set('Content-Type', contentType).send(body).expect(201);
    expect(response.body.file).toMatchObject({ name: lastSegment, format: 'txt' });

    const row = await service.prisma.client.storedFile.findUniqueOrThrow({ where: { id: response.body.file.id } });
    expect(row.originalName).toBe(lastSegment);
    expect(row.storagePath).toBe(`${row.id}.txt`);
    expect(row.storagePath).not.toMatch(/[/\\]|\.\./);
    expect(readFileSync(path.join(database.dir, 'files', row.storagePath), 'utf8')).toBe('escape attempt');
    expect(existsSync(path.resolve(database.dir, 'files', clientName))).toBe(false);
  });

  it.each([
    ['notes.TXT', 'plain text', 'txt'],
    ['noext', '%PDF-1.7\n%âãÏÓ\n', 'pdf'],
    ['noext', 'no signature here', 'bin'],
  ])('detects the format of %s (%j) as %s', async (name, content, format) => {
    const { body } = await upload(service, { name, content }).expect(201);
    expect(body.file).toMatchObject({ name, format });
    expect(body.job.format).toBe(format);
    const row = await service.prisma.client.storedFile.findUniqueOrThrow({ where: { id: body.file.id } });
    expect(row.storagePath).toBe(`${row.id}.${format}`);
  });
});

describe(`POST /files with maxUploadBytes 1024 (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  const nothingKept = { files: 0, jobs: 0, disk: { stored: [], incoming: [] } };

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database, { queue: { workersEnabled: false, maxUploadBytes: 1024 } });
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  it.each([
    ['4 KiB (streamed, then refused)', 4096, 'The file is larger than the limit of 1024 bytes'],
    ['1025 bytes (one over)', 1025, 'The file is larger than the limit of 1024 bytes'],
    ['200 KiB (refused on Content-Length)', 200 * 1024, 'The upload is larger than the limit of 1024 bytes'],
  ])('answers 413 to %s and keeps nothing', async (_case, size, message) => {
    const response = await upload(service, { name: 'big.txt', content: Buffer.alloc(size, 'a') }).expect(413);
    expect(response.body).toEqual({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message });
    expect(await kept(service, database)).toEqual(nothingKept);
  });

  it('accepts exactly 1024 bytes', async () => {
    const content = Buffer.alloc(1024, 'b');
    const { body } = await upload(service, { name: 'exact.txt', content }).expect(201);
    expect(body.file).toMatchObject({ size: 1024, checksum: sha256(content) });
    expect(await kept(service, database)).toEqual({
      files: 1,
      jobs: 1,
      disk: { stored: [`${body.file.id}.txt`], incoming: [] },
    });
  });
});
