import { Readable } from 'node:stream';
import { ANONYMOUS_ADMIN, FileStorageService } from '../../src/job-queue';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp } from '../support/test-app';

const PNG_HEAD = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

/** StoredFile.mimeType was never written (always null); it records the media type of every stored file. */
describe(`The media type of a stored file (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => ({ service } = started));

  const uploaded = async (filename: string, content: Buffer | string, contentType: string) => {
    const response = await service
      .http()
      .post('/files')
      .field('enqueue', 'false')
      .attach('file', Buffer.from(content), { filename, contentType })
      .expect(201);
    const id = (response.body as { file: { id: string } }).file.id;
    return (await service.prisma.client.storedFile.findUniqueOrThrow({ where: { id } })).mimeType;
  };

  it('is the type of the format the upload is processed as, else the type its part declared', async () => {
    expect(await uploaded('notes.txt', 'hello', 'application/x-anything')).toBe('text/plain');
    expect(await uploaded('picture', PNG_HEAD, 'application/octet-stream')).toBe('image/png'); // by its magic bytes
    expect(await uploaded('data.xyz', 'payload', 'Application/X-Custom; charset=utf-8')).toBe('application/x-custom');
    expect(await uploaded('data.xyz', 'payload', 'application/octet-stream')).toBe('application/octet-stream');
  });

  it('is written for files stored in-process too (no declared type)', async () => {
    const storage = service.app.get(FileStorageService);
    const pdf = await storage.store(Readable.from(['%PDF-1.4\n']), 'report.pdf', ANONYMOUS_ADMIN);
    const unknown = await storage.store(Readable.from(['?']), 'blob.xyz', ANONYMOUS_ADMIN);
    expect([pdf.mimeType, unknown.mimeType]).toEqual(['application/pdf', 'application/octet-stream']);
  });
});
