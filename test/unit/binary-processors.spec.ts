import { ProcessingStage } from '../../src/job-queue';
import type { ResolvedJobQueueOptions } from '../../src/job-queue/job-queue.options';
import { DocxProcessor } from '../../src/job-queue/processors/docx.processor';
import { ImageProcessor } from '../../src/job-queue/processors/image.processor';
import { PdfProcessor } from '../../src/job-queue/processors/pdf.processor';
import { denseDocxFile, docxFile, jpegFile, pdfFile } from '../support/binary-samples';
import { ProcessorFiles } from '../support/processing-context';

const options = (maxExtractedTextBytes = 1024 * 1024) => ({ maxExtractedTextBytes }) as ResolvedJobQueueOptions;

describe('PDF, DOCX and image processors on real files', () => {
  const files = new ProcessorFiles();
  afterAll(() => files.remove());

  it('reads a PDF in READING (bytes up to its size), then PARSING and EXTRACTING', async () => {
    const pdf = await pdfFile({ pages: ['one', 'two'] });
    const { context, progress } = files.context('two.pdf', pdf);
    const output = await new PdfProcessor(options()).process(context);
    expect(output.extractedText).toBe('one\ftwo');
    expect(progress.stages).toEqual([ProcessingStage.READING, ProcessingStage.PARSING, ProcessingStage.EXTRACTING]);
    expect(progress.bytesReported.at(-1)).toBe(pdf.length);
  });

  it('cuts the text of a PDF at the cap, and keeps the page lengths and the full size in metadata', async () => {
    const { context } = files.context('long.pdf', await pdfFile({ pages: ['abcdefgh', 'ijklmnop'] }));
    const output = await new PdfProcessor(options(12)).process(context);
    expect(output.extractedText).toBe('abcdefgh\fijk');
    expect(output.metadata).toMatchObject({
      pageCount: 2,
      pages: [
        { number: 1, characters: 8 },
        { number: 2, characters: 8 },
      ],
      textBytes: 17,
      truncated: true,
    });
  });

  it.each([
    // Extracting 400 pages takes PDF.js about a second.
    [
      'PDF',
      async () => ({
        file: await pdfFile({ pages: Array.from({ length: 400 }, (_, page) => `Page ${page + 1} of a long document`) }),
        processor: new PdfProcessor(options()),
      }),
    ],
    // 8 MB of one-letter paragraphs: mammoth spends seconds on them.
    ['DOCX', async () => ({ file: await denseDocxFile(8), processor: new DocxProcessor(options()) })],
  ])('stops a %s extraction at once when the signal aborts, rejecting with its reason', async (format, sample) => {
    const { file, processor } = await sample();
    const { context, progress } = files.context(`long.${format.toLowerCase()}`, file);
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    let abortedAt = 0;
    const enter = progress.stage.bind(progress);
    progress.stage = (stage) => {
      enter(stage);
      if (stage !== ProcessingStage.EXTRACTING) return;
      setImmediate(() => {
        abortedAt = Date.now();
        controller.abort(reason);
      });
    };
    await expect(processor.process({ ...context, signal: controller.signal })).rejects.toBe(reason);
    // The parser's thread is terminated, not waited for (measured: 1 ms; the bound is generous for a loaded
    // machine, and still half the extraction).
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(500);
  });

  it('reads a DOCX in READING, then PARSING and EXTRACTING, and cuts its text at the cap', async () => {
    const docx = await docxFile({
      paragraphs: ['first paragraph', 'second'],
      created: new Date(0),
      modified: new Date(0),
    });
    const { context, progress } = files.context('short.docx', docx);
    const output = await new DocxProcessor(options(5)).process(context);
    expect(output.extractedText).toBe('first');
    expect(output.metadata).toMatchObject({ paragraphCount: 2, wordCount: 3, textBytes: 23, truncated: true });
    expect(progress.stages).toEqual([ProcessingStage.READING, ProcessingStage.PARSING, ProcessingStage.EXTRACTING]);
    expect(progress.bytesReported.at(-1)).toBe(docx.length);
  });

  it('stops reading an image after its header', async () => {
    const jpeg = Buffer.concat([jpegFile(1024, 768, { orientation: 3 }), Buffer.alloc(2 * 1024 * 1024)]);
    const { context, progress } = files.context('big.jpg', jpeg);
    const output = await new ImageProcessor().process(context);
    expect(output.metadata).toMatchObject({ type: 'jpg', width: 1024, height: 768, orientation: 3 });
    expect(progress.stages).toEqual([ProcessingStage.READING, ProcessingStage.EXTRACTING]);
    expect(Math.max(...progress.bytesReported)).toBeLessThan(200);
  });
});
