import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApiKeyRing, parseApiKeyFile } from '../../src/auth/api-key-file';

const sha = (key: string) => createHash('sha256').update(key).digest('hex');

describe('AUTH_API_KEYS_FILE (src/auth/api-key-file.ts)', () => {
  it('reads `<sha256> <user-id> [admin]` lines, skipping blank lines and # comments', () => {
    const text = `# service keys\n\n${sha('k1')} billing\n  ${sha('k2').toUpperCase()}   ops admin  # the on-call key\r\n`;
    expect(parseApiKeyFile(text, 'keys').map(({ hash, ...rest }) => ({ hash: hash.toString('hex'), ...rest }))).toEqual(
      [
        { hash: sha('k1'), userId: 'billing', isAdmin: false },
        { hash: sha('k2'), userId: 'ops', isAdmin: true },
      ],
    );
  });

  it.each([
    [`abc billing`, 'keys line 1: the first field must be the 64-hex-digit SHA-256 of the key'],
    [`# only\n${sha('k1')}`, "keys line 2: a user id must follow the key's hash"],
    [`${sha('k1')} billing root`, 'keys line 1: after the user id only the word "admin" may follow'],
    [`${sha('k1')} billing admin extra`, 'keys line 1: after the user id only the word "admin" may follow'],
    [`${sha('k1')} a\n${sha('k1').toUpperCase()} b`, "keys line 2: this key's hash is listed twice"],
    [`# nothing but comments\n`, 'keys: no API keys in the file'],
  ])('refuses %j: %s', (text, message) => {
    expect(() => parseApiKeyFile(text, 'keys')).toThrow(message);
  });

  it('matches a presented key by its hash, and only the exact key', () => {
    const ring = new ApiKeyRing(parseApiKeyFile(`${sha('k1')} billing\n${sha('k2')} ops admin`, 'keys'));
    expect(ring.match('k1')).toEqual({ userId: 'billing', isAdmin: false });
    expect(ring.match('k2')).toEqual({ userId: 'ops', isAdmin: true });
    expect(ring.match('k3')).toBeUndefined();
    expect(ring.match('k1 ')).toBeUndefined();
    expect(ring.match(sha('k1'))).toBeUndefined(); // the stored hash is not itself a key
  });

  it('reads the file at start-up, naming the setting when it cannot', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'api-keys-'));
    try {
      const file = path.join(dir, 'keys');
      expect(() => ApiKeyRing.fromFile(file)).toThrow(`AUTH_API_KEYS_FILE cannot be read (${file}): ENOENT`);
      writeFileSync(file, 'garbage\n');
      expect(() => ApiKeyRing.fromFile(file)).toThrow(`AUTH_API_KEYS_FILE ${file} line 1: the first field`);
      writeFileSync(file, `${sha('k1')} billing\n`);
      expect(ApiKeyRing.fromFile(file).match('k1')).toEqual({ userId: 'billing', isAdmin: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
