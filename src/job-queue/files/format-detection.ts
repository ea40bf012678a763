import path from 'node:path';

/** Enough leading bytes to recognise the binary formats below. */
export const SNIFF_BYTES = 16;

const SIGNATURES: { format: string; matches: (head: Buffer) => boolean }[] = [
  { format: 'pdf', matches: (head) => head.subarray(0, 5).toString('latin1') === '%PDF-' },
  {
    format: 'png',
    matches: (head) => head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { format: 'jpg', matches: (head) => head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff },
  { format: 'gif', matches: (head) => /^GIF8[79]a/.test(head.subarray(0, 6).toString('latin1')) },
  {
    format: 'webp',
    matches: (head) =>
      head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP',
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

/** The media types of the formats the built-in processors handle, and of zip (recognised by its magic bytes). */
const FORMAT_MIME_TYPES: Record<string, string> = {
  txt: 'text/plain',
  text: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  html: 'text/html',
  htm: 'text/html',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  jsonl: 'application/jsonl',
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  zip: 'application/zip',
};

/** type/subtype as RFC 9110 spells a media type (parameters such as charset are not kept). */
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]{1,63}\/[a-z0-9!#$&^_.+-]{1,63}$/;

/**
 * A stored file's media type: the type of the format it is processed as when that format has one; otherwise the
 * type the client declared for the file part, lower-case and without parameters, when well-formed (a part that
 * declares none is text/plain, multipart's default); otherwise application/octet-stream.
 */
export function mediaTypeOf(format: string, declared?: string): string {
  const known = FORMAT_MIME_TYPES[format];
  if (known) return known;
  const type = declared?.split(';')[0].trim().toLowerCase();
  return type && MEDIA_TYPE.test(type) ? type : 'application/octet-stream';
}

/** A safe display name: the last path segment, without control characters, at most 255 characters. */
export function sanitizeFileName(fileName: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const base = (fileName.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'upload').slice(0, 255);
}
