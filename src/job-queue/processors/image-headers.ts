/**
 * Dimensions and a few properties of PNG, JPEG, GIF and WebP images, read from their headers alone. Each reader
 * starts at byte 0 (the signature has been confirmed already) and reads no further than it needs; for JPEG that
 * is up to the first SOFn frame header, skipping the segments before it.
 */

/** What the readers consume: exact reads from the front of the file. */
export interface ByteSource {
  offset: number;
  read(count: number): Promise<Buffer>;
  byte(): Promise<number>;
  skip(count: number): Promise<void>;
}

export type ImageType = 'png' | 'jpg' | 'gif' | 'webp';

export interface ImageHeader {
  width: number;
  height: number;
  /** Format-specific details (bit depth, encoding, orientation, …). */
  details: Record<string, unknown>;
}

/** The header is there but says something impossible; `offset` is where. */
export class BadImageHeader extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'BadImageHeader';
  }
}

export const IMAGE_MIME_TYPES: Record<ImageType, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export function readImageHeader(type: ImageType, source: ByteSource): Promise<ImageHeader> {
  return READERS[type](source);
}

const READERS: Record<ImageType, (source: ByteSource) => Promise<ImageHeader>> = {
  png: readPng,
  jpg: readJpeg,
  gif: readGif,
  webp: readWebp,
};

function positive(width: number, height: number, offset: number): { width: number; height: number } {
  if (width <= 0 || height <= 0) throw new BadImageHeader(`its dimensions are ${width}×${height}`, offset);
  return { width, height };
}

/** Signature (8), then the IHDR chunk: length (13), "IHDR", width, height, bit depth, colour type, …, interlace. */
async function readPng(source: ByteSource): Promise<ImageHeader> {
  const head = await source.read(29);
  if (head.readUInt32BE(8) !== 13 || head.toString('latin1', 12, 16) !== 'IHDR') {
    throw new BadImageHeader('the first chunk is not a 13-byte IHDR', 8);
  }
  return {
    ...positive(head.readUInt32BE(16), head.readUInt32BE(20), 16),
    details: { bitDepth: head[24], colorType: head[25], interlaced: head[28] === 1 },
  };
}

/** "GIF87a"/"GIF89a", then the logical screen descriptor: width and height, little-endian. */
async function readGif(source: ByteSource): Promise<ImageHeader> {
  const head = await source.read(13);
  return {
    ...positive(head.readUInt16LE(6), head.readUInt16LE(8), 6),
    details: { version: head.toString('latin1', 3, 6) },
  };
}

/** RIFF header (12), then the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended, with a canvas size). */
async function readWebp(source: ByteSource): Promise<ImageHeader> {
  const head = await source.read(30);
  const chunk = head.toString('latin1', 12, 16);
  if (chunk === 'VP8 ') {
    if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a)
      throw new BadImageHeader('the VP8 frame has no start code', 23);
    return {
      ...positive(head.readUInt16LE(26) & 0x3fff, head.readUInt16LE(28) & 0x3fff, 26),
      details: { encoding: 'VP8' },
    };
  }
  if (chunk === 'VP8L') {
    if (head[20] !== 0x2f) throw new BadImageHeader('the VP8L bitstream has no signature byte', 20);
    const bits = head.readUInt32LE(21);
    return {
      width: (bits & 0x3fff) + 1,
      height: ((bits >>> 14) & 0x3fff) + 1,
      details: { encoding: 'VP8L', alpha: ((bits >>> 28) & 1) === 1 },
    };
  }
  if (chunk === 'VP8X') {
    const flags = head[20];
    return {
      width: head.readUIntLE(24, 3) + 1,
      height: head.readUIntLE(27, 3) + 1,
      details: { encoding: 'VP8X', alpha: (flags & 0x10) !== 0, animated: (flags & 0x02) !== 0 },
    };
  }
  throw new BadImageHeader(`its first chunk is "${chunk}", not VP8, VP8L or VP8X`, 12);
}

const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);
const PROGRESSIVE_SOF = new Set([0xc2, 0xc6, 0xca, 0xce]);
const APP1 = 0xe1;

/**
 * SOI, then segments (0xFF, marker, big-endian length including itself, payload) up to the first SOFn, whose
 * payload holds precision, height, width and components. An Exif APP1 segment before it gives the orientation.
 */
async function readJpeg(source: ByteSource): Promise<ImageHeader> {
  await source.skip(2);
  let orientation: number | undefined;
  for (;;) {
    const at = source.offset;
    if ((await source.byte()) !== 0xff) throw new BadImageHeader('expected a segment marker', at);
    let marker = await source.byte();
    while (marker === 0xff) marker = await source.byte(); // fill bytes
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // markers without a length
    if (marker === 0xd9 || marker === 0xda)
      throw new BadImageHeader('the image data starts before any frame header (SOFn)', at);
    const length = (await source.read(2)).readUInt16BE(0);
    if (length < 2) throw new BadImageHeader(`a segment has an impossible length of ${length}`, at);
    if (SOF_MARKERS.has(marker)) {
      const frame = await source.read(5);
      return {
        ...positive(frame.readUInt16BE(3), frame.readUInt16BE(1), at),
        details: { progressive: PROGRESSIVE_SOF.has(marker), ...(orientation === undefined ? {} : { orientation }) },
      };
    }
    if (marker === APP1 && orientation === undefined) {
      orientation = exifOrientation(await source.read(length - 2));
    } else {
      await source.skip(length - 2);
    }
  }
}

/** Tag 0x0112 of IFD0 in an "Exif\0\0" APP1 payload (a TIFF structure), if present and sane. */
function exifOrientation(payload: Buffer): number | undefined {
  if (payload.length < 14 || payload.toString('latin1', 0, 6) !== 'Exif\0\0') return undefined;
  const tiff = payload.subarray(6);
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const u16 = (at: number) => (little ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (little ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = u16(ifd);
  for (let index = 0; index < entries; index++) {
    const entry = ifd + 2 + index * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : undefined;
    }
  }
  return undefined;
}
