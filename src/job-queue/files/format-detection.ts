import path from 'node:path';

/** Enough leading bytes to recognise the binary formats below. */
export const SNIFF_BYTES = 16;

const SIGNATURES: { format: string; matches: (head: Buffer) => boolean }[] = [
  { format: 'pdf', matches: (head) => head.subarray(0, 5).toString('latin1') === '%PDF-' },
  { format: 'png', matches: (head) => head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { format: 'jpg', matches: (head) => head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff },
  { format: 'gif', matches: (head) => /^GIF8[79]a/.test(head.subarray(0, 6).toString('latin1')) },
  {
    format: 'webp',
    matches: (head) => head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  { format: 'zip', matches: (head) => head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) },
];

/** The binary format the leading bytes announce, if any. */
export function sniffFormat(head: Buffer): string | null {
  return SIGNATURES.find((signature) => signature.matches(head))?.format ?? null;
}

/** The extension of a client-supplied name (only its last path segment counts), lower-case, or null. */
export function extensionOf(fileName: string): string | null {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const extension = path.extname(base).slice(1).toLowerCase();
  return /^[a-z0-9]{1,16}$/.test(extension) ? extension : null;
}

/**
 * The job format of an upload: its extension picks the processor; without one, the content's magic bytes;
 * without either, "bin". (Processors confirm binary formats against the content themselves.)
 */
export function detectFormat(fileName: string, head: Buffer): string {
  return extensionOf(fileName) ?? sniffFormat(head) ?? 'bin';
}

/** A safe display name: the last path segment, without control characters, at most 255 characters. */
export function sanitizeFileName(fileName: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'upload').slice(0, 255);
}
