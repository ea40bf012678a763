import { deflateSync } from 'node:zlib';
import { Document, Packer, Paragraph } from 'docx';
import JSZip from 'jszip';
import { PDFDocument, PDFHexString, StandardFonts } from 'pdf-lib';

/**
 * Sample files for the binary-format processors, written here with writer libraries (pdf-lib, docx) or by hand
 * (images), so that every byte the tests use has a known origin.
 */

export interface PdfSample {
  pages: string[];
  title?: string;
  author?: string;
  subject?: string;
  creator?: string;
  producer?: string;
  creationDate?: Date;
  modificationDate?: Date;
}

/** A PDF with one page per entry of `pages` (lines split on \n), in Helvetica, and the given document information. */
export async function pdfFile(sample: PdfSample): Promise<Buffer> {
  const document = await PDFDocument.create({ updateMetadata: false });
  const font = await document.embedFont(StandardFonts.Helvetica);
  for (const text of sample.pages) {
    const page = document.addPage([400, 300]);
    page.drawText(text, { x: 40, y: 250, size: 12, lineHeight: 16, font });
  }
  if (sample.title) document.setTitle(sample.title);
  if (sample.author) document.setAuthor(sample.author);
  if (sample.subject) document.setSubject(sample.subject);
  if (sample.creator) document.setCreator(sample.creator);
  if (sample.producer) document.setProducer(sample.producer);
  if (sample.creationDate) document.setCreationDate(sample.creationDate);
  if (sample.modificationDate) document.setModificationDate(sample.modificationDate);
  return Buffer.from(await document.save());
}

/**
 * A one-page PDF encrypted with the standard security handler (RC4, revision 2) under a user password: its /U
 * entry matches no password, so a reader without one can open nothing.
 */
export async function passwordProtectedPdfFile(): Promise<Buffer> {
  const document = await PDFDocument.create();
  document.addPage([200, 200]);
  const hex = (byte: number) => PDFHexString.of(Buffer.alloc(32, byte).toString('hex'));
  document.context.trailerInfo.Encrypt = document.context.obj({
    Filter: 'Standard',
    V: 1,
    R: 2,
    O: hex(1),
    U: hex(2),
    P: -4,
  });
  document.context.trailerInfo.ID = document.context.obj([hex(3), hex(3)]);
  return Buffer.from(await document.save({ useObjectStreams: false }));
}

export interface DocxSample {
  paragraphs: string[];
  title?: string;
  author?: string;
  subject?: string;
  /** Written over the timestamps the docx library puts in docProps/core.xml (the time of writing). */
  created: Date;
  modified: Date;
}

/** A Word document with the given paragraphs (an empty string makes an empty paragraph) and core properties. */
export async function docxFile(sample: DocxSample): Promise<Buffer> {
  const document = new Document({
    title: sample.title,
    creator: sample.author,
    subject: sample.subject,
    sections: [{ children: sample.paragraphs.map((text) => new Paragraph({ text })) }],
  });
  const zip = await JSZip.loadAsync(await Packer.toBuffer(document));
  const core = await zip.file('docProps/core.xml')!.async('string');
  const at = (element: string, date: Date) => (xml: string) =>
    xml.replace(
      new RegExp(`(<dcterms:${element}[^>]*>)[^<]*(</dcterms:${element}>)`),
      `$1${date.toISOString().replace(/\.\d{3}Z$/, 'Z')}$2`,
    );
  zip.file('docProps/core.xml', at('modified', sample.modified)(at('created', sample.created)(core)));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

/**
 * A DOCX of a few KB a MB whose main part inflates to `megabytes` MB of one-letter paragraphs (the densest XML mammoth
 * reads: 16 MB of it took mammoth to ~2 GB of heap; 200 MB, from a 583 KB file, ended the process out of memory).
 */
export async function denseDocxFile(megabytes: number): Promise<Buffer> {
  const paragraph = '<w:p><w:r><w:t>a</w:t></w:r></w:p>';
  const body = paragraph.repeat(Math.ceil((megabytes * 1024 * 1024) / paragraph.length));
  const zip = new JSZip();
  zip.file(
    '[Content_Types].xml',
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  );
  zip.file(
    '_rels/.rels',
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
  );
  zip.file(
    'word/document.xml',
    '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">' +
      `<w:body>${body}</w:body></w:document>`,
  );
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', compressionOptions: { level: 9 } });
}

const CRC_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const u16le = (value: number) => Buffer.from([value & 0xff, value >>> 8]);
const u16be = (value: number) => Buffer.from([value >>> 8, value & 0xff]);
const u32be = (value: number) => Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
const u32le = (value: number) => u32be(value).reverse();
const u24le = (value: number) => Buffer.from([value & 0xff, (value >>> 8) & 0xff, value >>> 16]);

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), typeAndData, u32be(crc32(typeAndData))]);
}

/** A complete 8-bit RGB PNG, every pixel grey (IHDR, one zlib-compressed IDAT of filter-0 scanlines, IEND). */
export function pngFile(width: number, height: number, { interlaced = false } = {}): Buffer {
  const header = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, interlaced ? 1 : 0])]);
  const scanlines = Buffer.alloc(height * (1 + width * 3), 0x80);
  for (let row = 0; row < height; row++) scanlines[row * (1 + width * 3)] = 0; // filter type 0 (none)
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(scanlines)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A complete GIF89a of colour 0 in a two-colour palette. The LZW data (minimum code size 2, so 3-bit codes) sends
 * a clear code before every two pixels, so the code table never grows past 3 bits.
 */
export function gifFile(width: number, height: number): Buffer {
  const CLEAR = 4;
  const END = 5;
  const codes: number[] = [];
  for (let pixel = 0; pixel < width * height; pixel++) {
    if (pixel % 2 === 0) codes.push(CLEAR);
    codes.push(0);
  }
  codes.push(END);
  const packed: number[] = [];
  let bits = 0;
  let bitCount = 0;
  for (const code of codes) {
    bits |= code << bitCount;
    bitCount += 3;
    while (bitCount >= 8) {
      packed.push(bits & 0xff);
      bits >>>= 8;
      bitCount -= 8;
    }
  }
  if (bitCount > 0) packed.push(bits & 0xff);
  const blocks: Buffer[] = [];
  for (let start = 0; start < packed.length; start += 255) {
    const block = packed.slice(start, start + 255);
    blocks.push(Buffer.from([block.length, ...block]));
  }
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    u16le(width),
    u16le(height),
    Buffer.from([0x80, 0, 0]), // global colour table of 2 entries, background 0, no aspect ratio
    Buffer.from([0, 0, 0, 0xff, 0xff, 0xff]),
    Buffer.from([0x2c]), // image descriptor
    u16le(0),
    u16le(0),
    u16le(width),
    u16le(height),
    Buffer.from([0, 2]), // no local colour table; LZW minimum code size 2
    ...blocks,
    Buffer.from([0, 0x3b]), // block terminator, trailer
  ]);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xff, marker]), u16be(payload.length + 2), payload]);
}

/** An APP1 Exif payload: a big-endian TIFF header and IFD0 with one entry, the orientation (tag 0x0112). */
function exifWithOrientation(orientation: number): Buffer {
  const entry = Buffer.concat([u16be(0x0112), u16be(3), u32be(1), u16be(orientation), u16be(0)]);
  return Buffer.concat([Buffer.from('Exif\0\0MM\0\x2a', 'latin1'), u32be(8), u16be(1), entry, u32be(0)]);
}

/**
 * The segments of a JPEG up to its first scan: SOI, APP0 (JFIF), optionally APP1 (Exif orientation), a comment,
 * a quantisation table, the frame header (SOF0 baseline or SOF2 progressive: 8-bit, one component), then SOS,
 * a few bytes of scan data and EOI. The processor reads no further than the frame header.
 */
export function jpegFile(
  width: number,
  height: number,
  { orientation, progressive = false }: { orientation?: number; progressive?: boolean } = {},
): Buffer {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    ...(orientation === undefined ? [] : [jpegSegment(0xe1, exifWithOrientation(orientation))]),
    jpegSegment(0xfe, Buffer.from('written by hand for a test', 'latin1')),
    Buffer.from([0xff]), // a fill byte before the next marker
    jpegSegment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    jpegSegment(
      progressive ? 0xc2 : 0xc0,
      Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([1, 1, 0x11, 0])]),
    ),
    jpegSegment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.from([0x00, 0x00, 0xff, 0xd9]),
  ]);
}

function riff(chunkType: string, chunk: Buffer): Buffer {
  const body = Buffer.concat([
    Buffer.from('WEBP', 'latin1'),
    Buffer.from(chunkType, 'latin1'),
    u32le(chunk.length),
    chunk,
  ]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(body.length), body]);
}

/** A lossless WebP's RIFF container and VP8L header (signature 0x2f, 14-bit width-1 and height-1, alpha, version 0). */
export function webpLosslessFile(width: number, height: number, { alpha = false } = {}): Buffer {
  const bits = (width - 1) | ((height - 1) << 14) | ((alpha ? 1 : 0) << 28);
  return riff('VP8L', Buffer.concat([Buffer.from([0x2f]), u32le(bits >>> 0), Buffer.alloc(5)])); // 10 bytes: RIFF chunks have even sizes
}

/** A lossy WebP's RIFF container and VP8 key-frame header (frame tag, start code 9d 01 2a, 14-bit width and height). */
export function webpLossyFile(width: number, height: number): Buffer {
  return riff(
    'VP8 ',
    Buffer.concat([Buffer.from([0x30, 0x01, 0x00, 0x9d, 0x01, 0x2a]), u16le(width), u16le(height), Buffer.alloc(4)]),
  );
}

/** An extended WebP's VP8X chunk: flags (alpha 0x10, animation 0x02) and the 24-bit canvas width-1 and height-1. */
export function webpExtendedFile(width: number, height: number, { alpha = false, animated = false } = {}): Buffer {
  const flags = (alpha ? 0x10 : 0) | (animated ? 0x02 : 0);
  return riff('VP8X', Buffer.concat([Buffer.from([flags, 0, 0, 0]), u24le(width - 1), u24le(height - 1)]));
}
