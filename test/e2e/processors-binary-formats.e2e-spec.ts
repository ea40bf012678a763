import JSZip from 'jszip';
import { countCharacters } from '../../src/job-queue/processors/text-decoding';
import {
  docxFile,
  gifFile,
  jpegFile,
  pdfFile,
  passwordProtectedPdfFile,
  pngFile,
  webpExtendedFile,
  webpLosslessFile,
  webpLossyFile,
  type PdfSample,
} from '../support/binary-samples';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

const JOB_QUERY = `query($id: ID!) {
  job(id: $id) {
    format status stage progress extractedText metadata result errorCode errorMessage errorRecoverable
    retryCount bytesProcessed fileSize attempts { number errorCode }
  }
}`;

const PDF: PdfSample = {
  pages: ['Quarterly report', 'Revenue grew by 12%\nCosts fell by 3%', 'Ünïcödé façade, naïve café'],
  title: 'Quarterly report Q3',
  author: 'Ada Lovelace',
  subject: 'Finance',
  creator: 'Report writer 2.1',
  producer: 'pdf-lib',
  creationDate: new Date('2024-03-01T09:30:00Z'),
  modificationDate: new Date('2024-03-02T17:45:10Z'),
};

const DOCX = {
  paragraphs: ['Meeting notes', '', 'Alpha beta gamma.', 'Délta — epsilon, l’été'],
  title: 'Weekly meeting',
  author: 'Grace Hopper',
  subject: 'Minutes',
  created: new Date('2024-05-06T07:08:09Z'),
  modified: new Date('2024-05-07T10:11:12Z'),
};

describe(`Binary-format processors: PDF, DOCX and images (${databaseLabel})`, () => {
  let database: TestDatabase;
  let service: TestApp;
  let pdf: Buffer;
  let docx: Buffer;

  beforeAll(async () => {
    database = await createTestDatabase();
    service = await startTestApp(database);
    [pdf, docx] = await Promise.all([pdfFile(PDF), docxFile(DOCX)]);
  });

  afterAll(async () => {
    await service?.close();
    await database?.drop();
  });

  /** Uploads `content` as `name` (default retries: 3) and resolves with the job once it is COMPLETED or FAILED. */
  async function processUpload(name: string, content: Buffer) {
    const upload = await service.http().post('/files').attach('file', content, name).expect(201);
    return waitFor(async () => {
      const { data } = await service.gql(JOB_QUERY, { id: upload.body.job.id });
      return ['COMPLETED', 'FAILED'].includes(data.job.status) ? data.job : null;
    }, 30_000);
  }

  it('extracts the text of every page of a PDF, page by page, with its document information', async () => {
    const job = await processUpload('report.pdf', pdf);
    const pageTexts = ['Quarterly report', 'Revenue grew by 12%\nCosts fell by 3%', 'Ünïcödé façade, naïve café'];
    const text = pageTexts.join('\f');
    expect(job).toMatchObject({
      format: 'pdf',
      status: 'COMPLETED',
      stage: 'COMPLETED',
      progress: 100,
      extractedText: text,
    });
    expect(job.bytesProcessed).toBe(pdf.length);
    expect(job.metadata).toEqual({
      pageCount: 3,
      pdfVersion: '1.7',
      title: 'Quarterly report Q3',
      author: 'Ada Lovelace',
      subject: 'Finance',
      creator: 'Report writer 2.1',
      producer: 'pdf-lib',
      creationDate: '2024-03-01T09:30:00.000Z',
      modificationDate: '2024-03-02T17:45:10.000Z',
      pages: pageTexts.map((page, index) => ({ number: index + 1, characters: countCharacters(page) })),
      textBytes: Buffer.byteLength(text),
      truncated: false,
    });
    expect(job.result.analysis).toMatchObject({ wordCount: 14 });
  });

  it('leaves out document information a PDF does not have', async () => {
    const job = await processUpload('bare.pdf', await pdfFile({ pages: ['Only page'] }));
    expect(job.status).toBe('COMPLETED');
    expect(job.extractedText).toBe('Only page');
    expect(job.metadata).toEqual({
      pageCount: 1,
      pdfVersion: '1.7',
      pages: [{ number: 1, characters: 9 }],
      textBytes: 9,
      truncated: false,
    });
  });

  it('extracts the paragraphs of a Word document with its counts and core properties', async () => {
    const job = await processUpload('minutes.docx', docx);
    const text = 'Meeting notes\n\nAlpha beta gamma.\n\nDélta — epsilon, l’été';
    expect(job).toMatchObject({ format: 'docx', status: 'COMPLETED', progress: 100, extractedText: text });
    expect(job.bytesProcessed).toBe(docx.length);
    expect(job.metadata).toEqual({
      title: 'Weekly meeting',
      author: 'Grace Hopper',
      subject: 'Minutes',
      creationDate: '2024-05-06T07:08:09.000Z',
      modificationDate: '2024-05-07T10:11:12.000Z',
      paragraphCount: 3,
      wordCount: 8,
      characters: countCharacters(text),
      textBytes: Buffer.byteLength(text),
      truncated: false,
    });
  });

  const images: [string, Buffer, Record<string, unknown>][] = [
    [
      'pixels.png',
      pngFile(3, 2),
      { type: 'png', mimeType: 'image/png', width: 3, height: 2, bitDepth: 8, colorType: 2, interlaced: false },
    ],
    [
      'interlaced.png',
      pngFile(640, 1, { interlaced: true }),
      { type: 'png', mimeType: 'image/png', width: 640, height: 1, bitDepth: 8, colorType: 2, interlaced: true },
    ],
    ['banner.gif', gifFile(5, 4), { type: 'gif', mimeType: 'image/gif', width: 5, height: 4, version: '89a' }],
    [
      'photo.jpeg',
      jpegFile(640, 480, { orientation: 6 }),
      { type: 'jpg', mimeType: 'image/jpeg', width: 640, height: 480, progressive: false, orientation: 6 },
    ],
    [
      'scan.jpg',
      jpegFile(20, 10, { progressive: true }),
      { type: 'jpg', mimeType: 'image/jpeg', width: 20, height: 10, progressive: true },
    ],
    [
      'lossless.webp',
      webpLosslessFile(300, 200, { alpha: true }),
      { type: 'webp', mimeType: 'image/webp', width: 300, height: 200, encoding: 'VP8L', alpha: true },
    ],
    [
      'lossy.webp',
      webpLossyFile(64, 48),
      { type: 'webp', mimeType: 'image/webp', width: 64, height: 48, encoding: 'VP8' },
    ],
    [
      'canvas.webp',
      webpExtendedFile(5000, 3000, { alpha: true, animated: true }),
      {
        type: 'webp',
        mimeType: 'image/webp',
        width: 5000,
        height: 3000,
        encoding: 'VP8X',
        alpha: true,
        animated: true,
      },
    ],
  ];

  it.each(images)('reads the type and dimensions of %s from its header', async (name, content, expected) => {
    const job = await processUpload(name, content);
    expect(job).toMatchObject({
      format: name.split('.').pop(),
      status: 'COMPLETED',
      progress: 100,
      extractedText: null,
      result: null,
    });
    expect(job.metadata).toEqual({ ...expected, bytes: content.length });
  });

  describe('content that is not what its name says, or is broken', () => {
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
        async () => pdf.subarray(0, Math.floor(pdf.length / 2)),
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
        async () => docx.subarray(0, Math.floor(docx.length / 2)),
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
        async () => pdf,
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
      const job = await processUpload(name, await content());
      expect(job).toMatchObject({ status: 'FAILED', errorCode: code, errorRecoverable: false, retryCount: 0 });
      expect(job.errorMessage).toMatch(message);
      expect(job.attempts).toEqual([{ number: 1, errorCode: code }]);
      expect(job.extractedText).toBeNull();
    });
  });
});
