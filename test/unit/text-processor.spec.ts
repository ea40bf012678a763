import { ProcessingStage } from '../../src/job-queue';
import type { ResolvedJobQueueOptions } from '../../src/job-queue/job-queue.options';
import { TextProcessor } from '../../src/job-queue/processors/text.processor';
import { ProcessorFiles } from '../support/processing-context';

const BOM_UTF8 = Buffer.from([0xef, 0xbb, 0xbf]);
const BOM_UTF16LE = Buffer.from([0xff, 0xfe]);
const BOM_UTF16BE = Buffer.from([0xfe, 0xff]);
const utf16be = (text: string) => Buffer.from(text, 'utf16le').swap16();

describe('TextProcessor on real files', () => {
  const files = new ProcessorFiles();
  afterAll(() => files.remove());

  /** Processes `content` as `name` with the given cap; resolves with the output and what progress saw. */
  async function processFile(
    content: string | Buffer,
    { name = 'sample.txt', maxExtractedTextBytes = 1024 * 1024 } = {},
  ) {
    const processor = new TextProcessor({ maxExtractedTextBytes } as ResolvedJobQueueOptions);
    const { context, progress } = files.context(name, content);
    const output = await processor.process(context);
    return {
      ...output,
      metadata: output.metadata as Record<string, unknown>,
      progress,
      size: Buffer.byteLength(content),
    };
  }

  describe('UTF-8 without a byte-order mark', () => {
    it.each([
      ['with a trailing newline', 'first line\nsecond line\n', 2],
      ['without a trailing newline', 'first line\nsecond line', 2],
      ['one empty line', '\n', 1],
      ['an empty file', '', 0],
      ['CRLF line ends', 'a\r\nb\r\n', 2],
    ])('counts %s exactly', async (_case, text, lines) => {
      const { extractedText, metadata } = await processFile(text);
      expect(extractedText).toBe(text);
      expect(metadata).toEqual({
        bytes: Buffer.byteLength(text),
        lines,
        characters: text.length,
        encoding: 'utf-8',
        textBytes: Buffer.byteLength(text),
        truncated: false,
      });
    });

    it('counts characters, not bytes or UTF-16 units: multi-byte letters and an emoji are one character each', async () => {
      const text = 'Grüße, naïve café — 東京 😀!\nzweite Zeile';
      const { extractedText, metadata } = await processFile(text);
      expect(extractedText).toBe(text);
      expect(metadata).toMatchObject({
        lines: 2,
        characters: [...text].length,
        bytes: Buffer.byteLength(text),
        encoding: 'utf-8',
      });
      expect([...text].length).toBe(text.length - 1); // the emoji is the only surrogate pair
      expect(Buffer.byteLength(text)).toBeGreaterThan(text.length);
    });

    it('decodes characters split between read chunks (a file of several 64 KiB chunks)', async () => {
      const line = 'ä€😀 chunk boundaries fall inside multi-byte characters\n';
      const text = line.repeat(Math.ceil(300_000 / Buffer.byteLength(line)));
      const { extractedText, metadata } = await processFile(text);
      expect(extractedText).toBe(text);
      expect(metadata).toMatchObject({
        characters: [...text].length,
        lines: text.split('\n').length - 1,
        truncated: false,
      });
    });
  });

  it('drops a UTF-8 byte-order mark from the text but counts it in the file bytes', async () => {
    const text = 'héllo\nwörld';
    const { extractedText, metadata } = await processFile(Buffer.concat([BOM_UTF8, Buffer.from(text)]));
    expect(extractedText).toBe(text);
    expect(metadata).toEqual({
      bytes: Buffer.byteLength(text) + 3,
      lines: 2,
      characters: 11,
      encoding: 'utf-8',
      textBytes: Buffer.byteLength(text),
      truncated: false,
    });
  });

  it.each([
    ['utf-16le', BOM_UTF16LE, (text: string) => Buffer.from(text, 'utf16le')],
    ['utf-16be', BOM_UTF16BE, utf16be],
  ])('decodes %s with its byte-order mark', async (encoding, bom, encode) => {
    const text = 'Zeile eins: Grüße 😀\nline two\n';
    const content = Buffer.concat([bom, encode(text)]);
    const { extractedText, metadata } = await processFile(content);
    expect(extractedText).toBe(text);
    expect(metadata).toEqual({
      bytes: content.length,
      lines: 2,
      characters: [...text].length,
      encoding,
      textBytes: Buffer.byteLength(text),
      truncated: false,
    });
  });

  it('falls back to Latin-1 when the content is not valid UTF-8', async () => {
    const content = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x6e, 0x61, 0xef, 0x76, 0x65, 0x20, 0xff, 0xa9]); // café\nnaïve ÿ©
    const { extractedText, metadata, progress, size } = await processFile(content);
    const text = 'café\nnaïve ÿ©';
    expect(extractedText).toBe(text);
    expect(extractedText).toBe(content.toString('latin1'));
    expect(metadata).toEqual({
      bytes: size,
      lines: 2,
      characters: 13,
      encoding: 'latin1',
      textBytes: Buffer.byteLength(text),
      truncated: false,
    });
    expect(Math.max(...progress.bytesReported)).toBe(size);
  });

  it('falls back to Latin-1 from the start when the first invalid byte is chunks into the file', async () => {
    const content = Buffer.concat([Buffer.from('a'.repeat(200_000)), Buffer.from([0xe9, 0x0a])]);
    const { extractedText, metadata, progress } = await processFile(content);
    expect(extractedText).toBe(`${'a'.repeat(200_000)}é\n`);
    expect(metadata).toMatchObject({ encoding: 'latin1', characters: 200_002, lines: 1, textBytes: 200_003 });
    expect(progress.bytesReported[progress.bytesReported.length - 1]).toBe(content.length);
  });

  describe(`truncation at maxExtractedTextBytes`, () => {
    it.each([
      ['ASCII', 'abcdefghij'.repeat(10), 25],
      ['two-byte letters, cut inside one', 'é'.repeat(50), 25],
      ['emoji, cut inside one', '😀'.repeat(20), 10],
      ['a cap of zero', 'some text', 0],
    ])('keeps a valid prefix of %s and reports the full length', async (_case, text, cap) => {
      const { extractedText, metadata } = await processFile(text, { maxExtractedTextBytes: cap });
      expect(metadata).toMatchObject({
        truncated: true,
        textBytes: Buffer.byteLength(text),
        characters: [...text].length,
      });
      expect(text.startsWith(extractedText!)).toBe(true);
      expect(extractedText).not.toContain('\uFFFD');
      const kept = Buffer.byteLength(extractedText!);
      expect(kept).toBeLessThanOrEqual(cap);
      expect(kept).toBeGreaterThan(cap - 4); // a cut loses at most the one character it falls inside
    });

    it('keeps the text whole when it is exactly at the cap, and across many chunks when beyond it', async () => {
      expect((await processFile('12345', { maxExtractedTextBytes: 5 })).metadata).toMatchObject({
        truncated: false,
        textBytes: 5,
      });
      const text = 'ü'.repeat(200_000);
      const { extractedText, metadata } = await processFile(text, { maxExtractedTextBytes: 100_001 });
      expect(extractedText).toBe('ü'.repeat(50_000));
      expect(metadata).toMatchObject({ truncated: true, textBytes: 400_000, characters: 200_000 });
    });
  });

  it('reports READING then EXTRACTING, and bytes that only grow and reach the file size', async () => {
    const text = 'progress line\n'.repeat(20_000);
    const { progress, size } = await processFile(Buffer.concat([BOM_UTF8, Buffer.from(text)]));
    expect(progress.stages).toEqual([ProcessingStage.READING, ProcessingStage.EXTRACTING]);
    expect(progress.bytesReported.length).toBeGreaterThan(1);
    expect(progress.bytesReported).toEqual([...progress.bytesReported].sort((a, b) => a - b));
    expect(progress.bytesReported[progress.bytesReported.length - 1]).toBe(size);
  });
});
