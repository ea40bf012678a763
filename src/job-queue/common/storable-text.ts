/**
 * Text the database keeps, from whatever a file or a processor yields: U+0000 (NUL) becomes U+FFFD, the replacement
 * character. PostgreSQL's `text` cannot hold NUL (SQLSTATE 22021) nor `jsonb` the escape `\u0000` (22P05), and files
 * carry it often enough (UTF-16 read as UTF-8, pdf.js's unmapped glyphs, a JSON string with `\u0000`): every such job
 * failed its completion on PostgreSQL, was retried to FAILED with INTERNAL_ERROR and counted against the queue's
 * health, while SQLite kept it. Replaced here, before either store, so that both read back the same.
 */
export function storableText(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

/**
 * An escape `\u0000` in JSON text, preceded by an even number of backslashes (none included), so that it is an escape
 * and not the text `\u0000` written with an escaped backslash (`\\u0000`).
 */
const NUL_ESCAPE = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** JSON text with every U+0000 in its strings and keys replaced by U+FFFD (see storableText). */
export function storableJson(json: string): string {
  return json.includes('\\u0000') ? json.replace(NUL_ESCAPE, '$1\\ufffd') : json;
}
