import { randomBytes } from 'node:crypto';

let lastTime = 0;
let counter = 0;

/**
 * A collision-resistant, cuid-style id ("c" + time + counter + random, base 36, 25 characters) that sorts in
 * creation order within a process, so jobs enqueued in one batch keep their order behind equal timestamps.
 */
export function newId(): string {
  const now = Date.now();
  if (now === lastTime) counter++;
  else {
    lastTime = now;
    counter = 0;
  }
  const time = now.toString(36).padStart(9, '0');
  const count = counter.toString(36).padStart(4, '0').slice(-4);
  const random = BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(13, '0')
    .slice(0, 11);
  return `c${time}${count}${random}`;
}
