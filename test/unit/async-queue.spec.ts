import { AsyncQueue } from '../../src/job-queue/common/async-queue';

/** One turn of the event loop: a backlog hands out one value per turn (setImmediate). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads until the iteration ends; resolves with what was read, or rejects with its error and what was read before. */
async function readAll<T>(queue: AsyncQueue<T>): Promise<T[]> {
  const read: T[] = [];
  try {
    for await (const value of queue) read.push(value);
  } catch (error) {
    throw Object.assign(error as Error, { read });
  }
  return read;
}

describe('AsyncQueue (subscription streams)', () => {
  it('hands out queued values in order, then ends after them on end(); onClose runs once', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(onClose);
    queue.push(1);
    queue.push(2);
    queue.push(3);
    queue.end();
    queue.push(4); // after end(): dropped
    expect(onClose).not.toHaveBeenCalled(); // control: values still wait to be read
    expect(await readAll(queue)).toEqual([1, 2, 3]);
    expect(onClose).toHaveBeenCalledTimes(1);
    await queue.return();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('resolves a waiting reader with the next push, and ends waiting readers on end()', async () => {
    const queue = new AsyncQueue<string>();
    const first = queue.next();
    const second = queue.next();
    queue.push('a');
    expect(await first).toEqual({ value: 'a', done: false });
    queue.end();
    expect(await second).toEqual({ value: undefined, done: true });
    expect(queue.isEnded).toBe(true);
  });

  it('ends with the error of fail() after the queued values; the first failure wins', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.fail(new Error('first'));
    queue.fail(new Error('second'));
    await expect(readAll(queue)).rejects.toMatchObject({ message: 'first', read: [1] });
  });

  it('rejects a reader already waiting when it fails with nothing queued', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(onClose);
    const waiting = queue.next();
    queue.fail(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a reader that falls more than maxBuffered behind with the overflow error, dropping the backlog', async () => {
    const queue = new AsyncQueue<number>(undefined, { maxBuffered: 3, overflow: () => new Error('too slow') });
    for (let value = 1; value <= 3; value++) queue.push(value);
    expect(queue.isEnded).toBe(false); // control: at the limit, not over it
    queue.push(4);
    expect(queue.isEnded).toBe(true);
    await expect(readAll(queue)).rejects.toMatchObject({ message: 'too slow', read: [] });
  });

  it('return() drops what is queued, ends the iteration and ignores later pushes', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(onClose);
    queue.push(1);
    expect(await queue.return()).toEqual({ value: undefined, done: true });
    queue.push(2);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('throw() ends the iteration and rejects with the given error', async () => {
    const onClose = jest.fn();
    const queue = new AsyncQueue<number>(onClose);
    await expect(queue.throw(new Error('client went away'))).rejects.toThrow('client went away');
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('hands out a queued value on the next turn of the event loop, not within the current one', async () => {
    const queue = new AsyncQueue<number>();
    queue.push(1);
    queue.push(2);
    const read: number[] = [];
    void queue.next().then((result) => read.push(result.value as number));
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(read).toEqual([]);
    await nextTurn();
    expect(read).toEqual([1]);
  });
});
