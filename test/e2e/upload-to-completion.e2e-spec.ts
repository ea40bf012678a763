import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp, waitFor } from '../support/test-app';

describe(`Upload a text file to a completed job (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({}, (started) => ({ service } = started));

  it('stores the upload, runs the txt processor and exposes the text through GraphQL', async () => {
    const text = 'first line\nsecond line with ünïcode\n';
    const upload = await service.http().post('/files').attach('file', Buffer.from(text), 'notes.txt').expect(201);
    expect(upload.body.file).toMatchObject({ name: 'notes.txt', size: Buffer.byteLength(text), format: 'txt' });
    expect(upload.body.job).toMatchObject({ status: 'PENDING', priority: 'NORMAL', fileId: upload.body.file.id });

    const query = `query($id: ID!) { job(id: $id) { status progress stage extractedText metadata bytesProcessed fileSize attempts { number outcome } } }`;
    const job = await waitFor(async () => {
      const { data } = await service.gql(query, { id: upload.body.job.id });
      return data.job.status === 'COMPLETED' ? data.job : null;
    });
    expect(job).toMatchObject({
      progress: 100,
      stage: 'COMPLETED',
      extractedText: text,
      bytesProcessed: Buffer.byteLength(text),
      fileSize: Buffer.byteLength(text),
      attempts: [{ number: 1, outcome: 'COMPLETED' }],
    });
    expect(job.metadata).toMatchObject({
      bytes: Buffer.byteLength(text),
      lines: 2,
      characters: text.length,
      encoding: 'utf-8',
    });
  });
});
