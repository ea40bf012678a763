import {
  FileProcessor,
  type FileProcessorHandler,
  NonRecoverableError,
  type ProcessingOutput,
} from '../../src/job-queue';
import { uploadUntilSettled } from '../support/api-helpers';
import { databaseLabel } from '../support/database';
import { type TestApp, useTestApp } from '../support/test-app';

const JOB = `query($id: ID!) {
  job(id: $id) {
    status extractedText metadata result errorCode errorMessage retryCount
    attempts { number outcome errorCode errorMessage }
  }
}`;

/** What a processor of a host's might yield or throw: U+0000 in its text, its JSON (keys too) and its error. */
@FileProcessor('nulls')
class NulYieldingProcessor implements FileProcessorHandler {
  async process(): Promise<ProcessingOutput> {
    return {
      extractedText: 'a\u0000b',
      metadata: { 'key\u0000': 'value\u0000', escaped: 'a backslash then u0000: \\u0000', nested: ['\u0000'] },
      result: { note: '\\\u0000' },
    };
  }
}

@FileProcessor('nulerror')
class NulThrowingProcessor implements FileProcessorHandler {
  process(): Promise<ProcessingOutput> {
    throw new NonRecoverableError('BAD\u0000CODE', 'byte \u0000 at 3');
  }
}

/**
 * U+0000 reaches the store as U+FFFD, the same on both databases. Before, on PostgreSQL, each of these jobs failed its
 * commit ("invalid byte sequence for encoding UTF8: 0x00"), was retried three times and ended FAILED with
 * INTERNAL_ERROR, where SQLite completed it with the NUL kept.
 */
describe(`U+0000 in what a file or a processor yields (${databaseLabel})`, () => {
  let service: TestApp;
  useTestApp(
    {
      queue: { retry: { initialDelayMs: 10, maxDelayMs: 20 } },
      providers: [NulYieldingProcessor, NulThrowingProcessor],
    },
    (started) => ({ service } = started),
  );

  const finished = (name: string, content: string) => uploadUntilSettled(service, { name, content }, JOB);

  it('completes a text file with NUL bytes at its first attempt, each NUL read back as U+FFFD', async () => {
    const job = await finished('utf16-without-bom.txt', 'h\0i\0\n\0');
    expect(job).toMatchObject({ status: 'COMPLETED', extractedText: 'h\uFFFDi\uFFFD\n\uFFFD', retryCount: 0 });
    expect(job.attempts).toEqual([{ number: 1, outcome: 'COMPLETED', errorCode: null, errorMessage: null }]);
  });

  it('completes a CSV whose header has a NUL: the column names in the metadata JSON carry U+FFFD', async () => {
    const job = await finished('table.csv', 'a\0,b\n1,2\n');
    expect(job).toMatchObject({ status: 'COMPLETED', extractedText: 'a\uFFFD\tb\n1\t2', retryCount: 0 });
    expect(job.metadata.columns).toEqual(['a\uFFFD', 'b']);
    expect(job.metadata.columnTypes).toEqual({ 'a\uFFFD': 'integer', b: 'integer' });
  });

  it("keeps a processor's text, keys and values with U+FFFD, and the text \\u0000 as it was", async () => {
    const job = await finished('x.nulls', 'anything');
    expect(job).toMatchObject({ status: 'COMPLETED', extractedText: 'a\uFFFDb', retryCount: 0 });
    expect(job.metadata).toEqual({
      'key\uFFFD': 'value\uFFFD',
      escaped: 'a backslash then u0000: \\u0000',
      nested: ['\uFFFD'],
    });
    expect(job.result).toMatchObject({ note: '\\\uFFFD' });
  });

  it("fails a job whose processor's error code and message carry NUL as thrown: not retried, U+FFFD kept", async () => {
    const job = await finished('x.nulerror', 'anything');
    expect(job).toMatchObject({
      status: 'FAILED',
      errorCode: 'BAD\uFFFDCODE',
      errorMessage: 'byte \uFFFD at 3',
      retryCount: 0,
    });
    expect(job.attempts).toEqual([
      { number: 1, outcome: 'FAILED', errorCode: 'BAD\uFFFDCODE', errorMessage: 'byte \uFFFD at 3' },
    ]);
  });
});
