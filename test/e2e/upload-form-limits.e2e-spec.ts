import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gqlData, JOB, multipart, type MultipartPart, storageContents, upload } from '../support/api-helpers';
import { databaseLabel, type TestDatabase } from '../support/database';
import { type TestApp, useTestApp } from '../support/test-app';

const NAME = 'ü😀.txt';
const FIELD_LIMIT = 64 * 1024;

/** A form of one file part whose Content-Disposition is written exactly as given (for filename* forms). */
function fileWithDisposition(disposition: string, content: string) {
  const boundary = 'name-test-boundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: text/plain\r\n\r\n`),
    Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body };
}

/** `{"a":1}` padded with spaces to exactly `bytes` bytes: valid JSON of a chosen size. */
const optionsOfSize = (bytes: number) => '{"a":1}'.padEnd(bytes, ' ');

const file = (filename = 'a.txt', value = 'hello'): MultipartPart => ({ name: 'file', value, filename });
const field = (name: string, value: string): MultipartPart => ({ name, value });

describe(`POST /files: file names and form limits (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service, database } = started));

  async function kept() {
    return {
      rows: await service.prisma.client.storedFile.count(),
      jobs: await service.prisma.client.processingJob.count(),
      disk: storageContents(database),
    };
  }

  const post = ({ contentType, body }: { contentType: string; body: Buffer }) =>
    service.http().post('/files').set('Content-Type', contentType).send(body);

  it.each([
    ['filename="…" in raw UTF-8, as browsers and curl send it', () => post(multipart([file(NAME, 'grüße')]))],
    [
      "filename*=UTF-8''… (RFC 5987), as some HTTP libraries send it",
      () => post(fileWithDisposition(`form-data; name="file"; filename*=UTF-8''${encodeURIComponent(NAME)}`, 'grüße')),
    ],
    [
      'both, filename* preferred (RFC 7578 §4.2)',
      () =>
        post(
          fileWithDisposition(
            `form-data; name="file"; filename="u.txt"; filename*=utf-8''${encodeURIComponent(NAME)}`,
            'grüße',
          ),
        ),
    ],
    ['supertest attach() (the form-data package)', () => upload(service, { name: NAME, content: 'grüße' })],
  ])('stores and returns a UTF-8 file name exactly as sent: %s', async (_case, send) => {
    const response = await send().expect(201);
    expect(response.body.file).toMatchObject({ name: NAME, format: 'txt', size: Buffer.byteLength('grüße') });
    const row = await service.prisma.client.storedFile.findUniqueOrThrow({ where: { id: response.body.file.id } });
    expect(row.originalName).toBe(NAME);
    expect(readFileSync(path.join(database.dir, 'files', row.storagePath), 'utf8')).toBe('grüße');
    const { job } = await gqlData(service, JOB, { id: response.body.job.id });
    expect(job.fileName).toBe(NAME);
  });

  it('cuts a name over 255 characters at 255 without splitting a character in two', async () => {
    const response = await post(multipart([file(`${'a'.repeat(254)}😀.txt`)])).expect(201);
    expect(response.body.file.name).toBe('a'.repeat(254)); // the emoji's two code units would have ended at 256
  });

  it.each([
    [
      'two files in "file"',
      [file('one.txt'), file('two.txt')],
      'Only one file can be sent, in the field "file" (limit: 1 file)',
    ],
    [
      'a file in "file" and one in another field',
      [file('one.txt'), { ...file('two.txt'), name: 'attachment' }],
      'Only one file can be sent, in the field "file" (limit: 1 file)',
    ],
    [
      '21 fields',
      [...Array.from({ length: 21 }, () => field('enqueue', 'true')), file()],
      'The form has more than 20 fields (limit: 20 fields)',
    ],
    [
      '21 fields after the file',
      [file(), ...Array.from({ length: 21 }, () => field('enqueue', 'true'))],
      'The form has more than 20 fields (limit: 20 fields)',
    ],
    [
      'a 70 KB field',
      [field('options', optionsOfSize(70_000)), file()],
      `The field "options" is longer than the limit of ${FIELD_LIMIT} bytes`,
    ],
    [
      'a field one byte over the limit',
      [file(), field('options', optionsOfSize(FIELD_LIMIT + 1))],
      `The field "options" is longer than the limit of ${FIELD_LIMIT} bytes`,
    ],
    [
      'a field sent twice',
      [field('priority', 'LOW'), field('priority', 'HIGH'), file()],
      'The field "priority" is sent more than once',
    ],
  ])('answers 400 BAD_USER_INPUT naming the limit to %s, and keeps nothing', async (_case, parts, message) => {
    const before = await kept();
    const response = await post(multipart(parts)).expect(400);
    expect(response.body).toEqual({ statusCode: 400, code: 'BAD_USER_INPUT', message });
    expect(await kept()).toEqual(before);
  });

  it('control: a field of exactly the limit is accepted whole', async () => {
    const response = await post(multipart([field('options', optionsOfSize(FIELD_LIMIT)), file()])).expect(201);
    expect(response.body.job.options).toEqual({ a: 1 });
  });

  it('answers 400 to a form cut before its closing boundary, keeping nothing of the whole file part before the cut', async () => {
    const before = await kept();
    const { contentType, body } = multipart([file('cut.txt', 'complete part'), field('priority', 'HIGH')]);
    const cut = body.subarray(0, body.lastIndexOf('\r\n--')); // the file part is whole; the form never ends
    const response = await post({ contentType, body: cut }).expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      code: 'BAD_USER_INPUT',
      message: 'Malformed multipart body: Unexpected end of form',
    });
    expect(await kept()).toEqual(before);
  });
});
