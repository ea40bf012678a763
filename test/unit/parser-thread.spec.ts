import { runParserThread } from '../../src/job-queue/processors/parser-thread';

/** A thread of evaluated JavaScript through runParserThread, with a fresh signal. */
const run = (source: string, maxHeapMb = 64) =>
  runParserThread<string, string>({
    name: 'Test',
    fileName: 'sample.bin',
    script: { source: `const { parentPort } = require('node:worker_threads');\n${source}` },
    workerData: null,
    maxHeapMb,
    signal: new AbortController().signal,
    onMessage: (message, done) => {
      if (message === 'bad') throw new Error('a message the processor refuses');
      if (message !== 'progress') done(message);
    },
  });

describe('runParserThread', () => {
  it('resolves with the message the processor takes for its result, after the ones before it', async () => {
    await expect(run(`parentPort.postMessage('progress'); parentPort.postMessage('the text');`)).resolves.toBe(
      'the text',
    );
  });

  it('rejects with what the processor throws, and with what the thread throws or rejects with, named', async () => {
    await expect(run(`parentPort.postMessage('bad');`)).rejects.toThrow('a message the processor refuses');
    await expect(run(`throw new Error('boom');`)).rejects.toThrow('The Test parser failed: boom');
    await expect(run(`(async () => { throw new Error('later'); })();`)).rejects.toThrow(
      'The Test parser failed: later',
    );
  });

  it('fails FILE_TOO_LARGE, not retried, naming the file, when the parse needs more heap than it may have', async () => {
    await expect(
      run(`const kept = []; for (;;) kept.push(new Array(100_000).fill({ x: 1 }));`, 32),
    ).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
      recoverable: false,
      message:
        'sample.bin is too large to parse: its parse needs more than the 32 MB a parser may use (maxParserHeapMb)',
    });
  });
});
