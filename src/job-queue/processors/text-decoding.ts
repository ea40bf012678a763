import { cutToBytes } from '../common/utf8-cut';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

export interface DetectedEncoding {
  encoding: TextEncoding;
  bomLength: number;
}

/** A byte-order mark decides; without one the text is read as UTF-8 (and re-read as Latin-1 if that fails). */
export function detectBom(head: Buffer): DetectedEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return { encoding: 'utf-8', bomLength: 0 };
}

/** Code points in a decoded string (a surrogate pair is one character). */
export function countCharacters(text: string): number {
  let surrogatePairs = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0xd800 && code <= 0xdbff) surrogatePairs++;
  }
  return text.length - surrogatePairs;
}

/** Keeps the first `maxBytes` (UTF-8) of a growing text, and counts what it saw. */
export class CappedText {
  private readonly parts: string[] = [];
  private keptBytes = 0;
  totalBytes = 0;
  truncated = false;

  constructor(private readonly maxBytes: number) {}

  append(text: string): void {
    const bytes = Buffer.byteLength(text);
    this.totalBytes += bytes;
    if (this.truncated) return;
    if (this.keptBytes + bytes <= this.maxBytes) {
      this.parts.push(text);
      this.keptBytes += bytes;
      return;
    }
    const room = this.maxBytes - this.keptBytes;
    const cut = cutToBytes(text, room);
    this.parts.push(cut);
    this.keptBytes += Buffer.byteLength(cut);
    this.truncated = true;
  }

  toString(): string {
    return this.parts.join('');
  }
}
