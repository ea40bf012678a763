/** The first `maxBytes` of `text` in UTF-8, never ending inside a character. */
export function cutToBytes(text: string, maxBytes: number): string {
  // A character cut in two decodes as U+FFFD at the end: drop it.
  return Buffer.from(text)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
