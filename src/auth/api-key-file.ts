import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Caller } from '../job-queue';

export interface ApiKeyEntry {
  /** SHA-256 of the key. */
  hash: Buffer;
  userId: string;
  isAdmin: boolean;
}

/**
 * Parses an API-key file: one `<sha256 hex of the key> <user-id> [admin]` a line, blank lines and `#` comments
 * (whole lines, or after the fields) ignored. Only hashes are stored, so the file is no secret worth stealing.
 * Any other line is an error naming the file and the line.
 */
export function parseApiKeyFile(text: string, source: string): ApiKeyEntry[] {
  const entries: ApiKeyEntry[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    const where = `${source} line ${index + 1}`;
    const [hash, userId, flag, ...rest] = line.split(/\s+/);
    if (!/^[0-9a-fA-F]{64}$/.test(hash))
      throw new Error(`${where}: the first field must be the 64-hex-digit SHA-256 of the key`);
    if (!userId) throw new Error(`${where}: a user id must follow the key's hash`);
    if ((flag !== undefined && flag !== 'admin') || rest.length > 0) {
      throw new Error(`${where}: after the user id only the word "admin" may follow`);
    }
    const normalized = hash.toLowerCase();
    if (seen.has(normalized)) throw new Error(`${where}: this key's hash is listed twice`);
    seen.add(normalized);
    entries.push({ hash: Buffer.from(normalized, 'hex'), userId, isAdmin: flag === 'admin' });
  });
  if (entries.length === 0) throw new Error(`${source}: no API keys in the file`);
  return entries;
}

/** The keys of AUTH_API_KEYS_FILE, read once at start-up (restart to change them). */
export class ApiKeyRing {
  constructor(private readonly entries: ApiKeyEntry[]) {}

  static fromFile(file: string): ApiKeyRing {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(
        `AUTH_API_KEYS_FILE cannot be read (${file}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    return new ApiKeyRing(parseApiKeyFile(text, `AUTH_API_KEYS_FILE ${file}`));
  }

  /** The key's caller, or undefined. Every entry is compared, in constant time, so timing tells nothing of the keys. */
  match(key: string): Caller | undefined {
    const hash = createHash('sha256').update(key, 'utf8').digest();
    let found: ApiKeyEntry | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, hash) && !found) found = entry;
    }
    return found && { userId: found.userId, isAdmin: found.isAdmin };
  }
}
