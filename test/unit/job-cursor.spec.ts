import { decodeJobCursor, encodeJobCursor } from '../../src/job-queue/jobs/job-cursor';
import { JobsErrorCode, JobsException } from '../../src/job-queue/jobs/jobs.exception';

const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/** The error decodeJobCursor throws for `value`, or null when it decodes. */
function refusal(value: string): { code: string; message: string } | null {
  try {
    decodeJobCursor(value);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(JobsException);
    const { code, message } = error as JobsException;
    return { code, message };
  }
}

/** The refusal of `value`; a cursor over 80 characters is shown cut (see the last test). */
const refused = (value: string) => ({
  code: JobsErrorCode.INVALID_CURSOR,
  message: `Malformed cursor ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} in after: pass an endCursor from a previous page`,
});

describe('job cursor', () => {
  const cursor = { createdAt: new Date('2026-11-30T21:25:33.123Z'), id: 'cm3x9k2ab0000qz8h_-Zz' };

  it('encodes (createdAt, id) as base64url of "millis:id" and decodes it back', () => {
    const encoded = encodeJobCursor(cursor);
    expect(encoded).toBe(base64url(`${cursor.createdAt.getTime()}:${cursor.id}`));
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeJobCursor(encoded)).toEqual(cursor);
  });

  // createdAt is the server's clock at enqueue, so 1970 onwards (a time before it has no cursor: "-…" is refused).
  it('round-trips the epoch and the last storable date', () => {
    for (const createdAt of [new Date(0), new Date('9999-12-31T23:59:59.999Z')]) {
      expect(decodeJobCursor(encodeJobCursor({ createdAt, id: 'a' }))).toEqual({ createdAt, id: 'a' });
    }
  });

  it.each([
    ['not base64url at all', '!!!'],
    ['empty', ''],
    ['no separator', base64url('1700000000000')],
    ['no id', base64url('1700000000000:')],
    ['a time that is not a number', base64url('soon:abc')],
    ['a negative time', base64url('-5:abc')],
    ['a time past 9999-12-31', base64url('253402300800000:abc')],
    ['an id with characters ids never have', base64url('1700000000000:a b')],
    ['an id longer than 64 characters', base64url(`1700000000000:${'a'.repeat(65)}`)],
    ['padding no page ever produces', `${base64url('1700000000000:ab')}=`],
    ['standard base64 instead of base64url', Buffer.from('1700000000000:a?>', 'utf8').toString('base64')],
  ])('refuses %s with INVALID_CURSOR naming the cursor', (_case, value) => {
    expect(refusal(value)).toEqual(refused(value));
  });

  it('control: the same shapes, made well, decode', () => {
    expect(refusal(base64url('1700000000000:abc'))).toBeNull();
    expect(refusal(base64url(`1700000000000:${'a'.repeat(64)}`))).toBeNull();
    expect(refusal(base64url('253402300799999:abc'))).toBeNull();
  });

  it('shows at most 80 characters of a long cursor in the message', () => {
    const value = 'x'.repeat(500);
    expect(refusal(value)?.message).toBe(
      `Malformed cursor ${JSON.stringify(`${'x'.repeat(80)}…`)} in after: pass an endCursor from a previous page`,
    );
  });
});
