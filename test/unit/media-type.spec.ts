import { mediaTypeOf } from '../../src/job-queue/files/format-detection';

describe("a stored file's media type", () => {
  it('is the type of a format the service knows, whatever the client declared', () => {
    expect(mediaTypeOf('txt', 'application/x-anything')).toBe('text/plain');
    expect(mediaTypeOf('jpeg')).toBe('image/jpeg');
    expect(mediaTypeOf('docx', 'application/octet-stream')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
  });

  it('is the declared type, lower-case and without parameters, for a format it does not know', () => {
    expect(mediaTypeOf('xyz', 'Application/X-Custom; charset=utf-8')).toBe('application/x-custom');
    expect(mediaTypeOf('bin', 'video/mp4')).toBe('video/mp4');
  });

  it('is application/octet-stream when nothing better is known', () => {
    expect(mediaTypeOf('xyz')).toBe('application/octet-stream');
    expect(mediaTypeOf('xyz', '')).toBe('application/octet-stream');
    expect(mediaTypeOf('xyz', 'not a type')).toBe('application/octet-stream');
    expect(mediaTypeOf('xyz', 'text/plain\u0000x')).toBe('application/octet-stream');
    expect(mediaTypeOf('xyz', `a/${'b'.repeat(64)}`)).toBe('application/octet-stream');
  });
});
