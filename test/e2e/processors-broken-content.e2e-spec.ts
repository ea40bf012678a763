import JSZip from 'jszip';
import { gifFile, jpegFile, passwordProtectedPdfFile, pngFile } from '../support/binary-samples';
import { databaseLabel } from '../support/database';
import { binaryFormatsSuite } from '../support/processed-upload';

describe(`Binary-format processors: content that is not what its name says, or is broken (${databaseLabel})`, () => {
  const suite = binaryFormatsSuite();

  const zipOf = async (files: Record<string, string>) => {
    const zip = new JSZip();
    for (const [name, content] of Object.entries(files)) zip.file(name, content);
    return zip.generateAsync({ type: 'nodebuffer' });
  };
  const cases: [string, string, () => Promise<Buffer>, string, RegExp][] = [
    [
      'a .pdf that is plain text',
      'notes.pdf',
      async () => Buffer.from('just some text\n'),
      'INVALID_FILE',
      /notes\.pdf is not a PDF file: its content has no known signature/,
    ],
    [
      'the first half of a PDF',
      'half.pdf',
      async () => suite.pdf.subarray(0, Math.floor(suite.pdf.length / 2)),
      'MALFORMED_FILE',
      /half\.pdf is not a readable PDF: Invalid PDF structure/,
    ],
    [
      'a PDF header and nothing else',
      'header.pdf',
      async () => Buffer.from('%PDF-1.7\n%%EOF\n'),
      'MALFORMED_FILE',
      /header\.pdf is not a readable PDF: /,
    ],
    [
      'a PDF that needs a password',
      'secret.pdf',
      passwordProtectedPdfFile,
      'PASSWORD_PROTECTED',
      /secret\.pdf is encrypted and needs a password: No password given/,
    ],
    [
      'a ZIP signature and garbage as .docx',
      'corrupt.docx',
      async () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(300, 0x5a)]),
      'MALFORMED_FILE',
      /corrupt\.docx is not a readable DOCX file: its ZIP archive is damaged/,
    ],
    [
      'the first half of a DOCX',
      'half.docx',
      async () => suite.docx.subarray(0, Math.floor(suite.docx.length / 2)),
      'MALFORMED_FILE',
      /half\.docx is not a readable DOCX file: its ZIP archive is damaged/,
    ],
    [
      'a ZIP that is not a Word document',
      'archive.docx',
      () => zipOf({ 'readme.txt': 'hello' }),
      'MALFORMED_FILE',
      /archive\.docx is not a readable DOCX file: .*main document/,
    ],
    [
      'a .docx that is a PDF',
      'letter.docx',
      async () => suite.pdf,
      'INVALID_FILE',
      /letter\.docx is not a ZIP file: its content looks like PDF/,
    ],
    [
      'a .png that is a GIF',
      'picture.png',
      async () => gifFile(2, 2),
      'INVALID_FILE',
      /picture\.png is not a PNG file: its content looks like GIF/,
    ],
    [
      'a .jpeg that is a PNG',
      'photo.jpeg',
      async () => pngFile(2, 2),
      'INVALID_FILE',
      /photo\.jpeg is not a JPG file: its content looks like PNG/,
    ],
    [
      'a PNG cut inside its IHDR chunk',
      'cut.png',
      async () => pngFile(4, 4).subarray(0, 20),
      'MALFORMED_FILE',
      /cut\.png is not a well-formed PNG image: its header is truncated/,
    ],
    [
      'a JPEG whose scan starts before any frame header',
      'frameless.jpg',
      async () => Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff, 0xd9]),
      'MALFORMED_FILE',
      /frameless\.jpg is not a well-formed JPG image: the image data starts before any frame header \(SOFn\) \(byte 2\)/,
    ],
    [
      'a JPEG cut before its frame header',
      'cut.jpg',
      async () => jpegFile(8, 8).subarray(0, 40),
      'MALFORMED_FILE',
      /cut\.jpg is not a well-formed JPG image: its header is truncated/,
    ],
    [
      'a WebP with an unknown first chunk',
      'odd.webp',
      async () => Buffer.from('RIFF\x16\0\0\0WEBPABCD\x0a\0\0\0\0\0\0\0\0\0\0\0\0\0', 'latin1'),
      'MALFORMED_FILE',
      /odd\.webp is not a well-formed WEBP image: its first chunk is "ABCD"/,
    ],
  ];

  it.each(cases)('fails %s at once, without retries', async (_case, name, content, code, message) => {
    const job = await suite.upload(name, await content());
    expect(job).toMatchObject({ status: 'FAILED', errorCode: code, errorRecoverable: false, retryCount: 0 });
    expect(job.errorMessage).toMatch(message);
    expect(job.attempts).toEqual([{ number: 1, errorCode: code }]);
    expect(job.extractedText).toBeNull();
  });
});
