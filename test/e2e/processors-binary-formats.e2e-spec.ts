import { countCharacters } from '../../src/job-queue/processors/text-decoding';
import {
  gifFile,
  jpegFile,
  pdfFile,
  pngFile,
  webpExtendedFile,
  webpLosslessFile,
  webpLossyFile,
} from '../support/binary-samples';
import { databaseLabel } from '../support/database';
import { binaryFormatsSuite } from '../support/processed-upload';

describe(`Binary-format processors: PDF, DOCX and images (${databaseLabel})`, () => {
  const suite = binaryFormatsSuite();

  it('extracts the text of every page of a PDF, page by page, with its document information', async () => {
    const job = await suite.upload('report.pdf', suite.pdf);
    const pageTexts = ['Quarterly report', 'Revenue grew by 12%\nCosts fell by 3%', 'Ünïcödé façade, naïve café'];
    const text = pageTexts.join('\f');
    expect(job).toMatchObject({
      format: 'pdf',
      status: 'COMPLETED',
      stage: 'COMPLETED',
      progress: 100,
      extractedText: text,
    });
    expect(job.bytesProcessed).toBe(suite.pdf.length);
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
    const job = await suite.upload('bare.pdf', await pdfFile({ pages: ['Only page'] }));
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
    const job = await suite.upload('minutes.docx', suite.docx);
    const text = 'Meeting notes\n\nAlpha beta gamma.\n\nDélta — epsilon, l’été';
    expect(job).toMatchObject({ format: 'docx', status: 'COMPLETED', progress: 100, extractedText: text });
    expect(job.bytesProcessed).toBe(suite.docx.length);
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
    const job = await suite.upload(name, content);
    expect(job).toMatchObject({
      format: name.split('.').pop(),
      status: 'COMPLETED',
      progress: 100,
      extractedText: null,
      result: null,
    });
    expect(job.metadata).toEqual({ ...expected, bytes: content.length });
  });
});
