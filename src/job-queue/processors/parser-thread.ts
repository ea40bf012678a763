import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { asError } from '../common/as-error';
import type { ProcessingContext } from '../processor-contract/file-processor.interface';
import { NonRecoverableError } from '../retry/processing-error';

/**
 * A parser (PDF.js, mammoth, markdown-it) run in a worker thread of its own for each document:
 *
 * - Its heap is capped (`maxHeapMb`): a file whose parse needs more fails alone (ParserOutOfMemoryError) where it
 *   ended the whole process. A 583 KB DOCX whose main part inflates to 200 MB of XML took mammoth past Node's heap
 *   limit on the main thread (4.5 GB resident, 78 s, then "JavaScript heap out of memory"), and every instance that
 *   picked the job up again after its lease ran out died the same way.
 * - Parsing is CPU-bound: off the main thread it cannot delay lease renewals, progress or other jobs (mammoth spent
 *   24 s on 16 MB of such XML).
 * - Aborting terminates the thread at once, whatever the parser is doing.
 */

/** The parse needed more heap than the thread may have: the file's fault, not retried by the processors. */
export class ParserOutOfMemoryError extends Error {
  constructor(readonly maxHeapMb: number) {
    super(`its parse needs more than the ${maxHeapMb} MB a parser may use (maxParserHeapMb)`);
    this.name = 'ParserOutOfMemoryError';
  }
}

/** The job's failure for a parse that ran out of heap: FILE_TOO_LARGE, an input error, not retried. */
export function parseTooLarge(context: ProcessingContext, error: ParserOutOfMemoryError): NonRecoverableError {
  return new NonRecoverableError('FILE_TOO_LARGE', `${context.job.fileName} is too large to parse: ${error.message}`, {
    cause: error,
  });
}

export interface ParserThread<M> {
  /** What the thread's parser is called in errors ("The PDF parser failed: ..."). */
  name: string;
  /**
   * What the thread runs, reading `workerData` and posting messages of type M: JavaScript evaluated as it is, or a
   * module of this folder by its name (`markdown-thread`), loaded as what this file is: compiled JavaScript, or
   * TypeScript through ts-node under the tests.
   */
  script: { source: string } | { module: string };
  workerData: unknown;
  /** Buffers handed over to the thread (unusable here afterwards). */
  transferList?: ArrayBuffer[];
  maxHeapMb: number;
  signal: AbortSignal;
  /** Each message the thread posts; true when it was the last. What it throws ends the run with that error. */
  onMessage(message: M): boolean;
}

/** Runs the thread until a message says it was the last; rejects with the signal's reason when it aborts. */
export function runParserThread<M>(thread: ParserThread<M>): Promise<void> {
  const { signal } = thread;
  if (signal.aborted) return Promise.reject(asError(signal.reason));
  return new Promise<void>((resolve, reject) => {
    const [script, loading] = scriptOf(thread);
    const worker = new Worker(script, {
      ...loading,
      workerData: thread.workerData,
      transferList: thread.transferList,
      resourceLimits: { maxOldGenerationSizeMb: thread.maxHeapMb },
    });
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      outcome();
    };
    const onAbort = () => settle(() => reject(asError(signal.reason)));
    signal.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (message: M) => {
      if (settled) return;
      try {
        if (thread.onMessage(message)) settle(resolve);
      } catch (error) {
        settle(() => reject(asError(error)));
      }
    });
    worker.on('error', (error: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new ParserOutOfMemoryError(thread.maxHeapMb)
            : new Error(`The ${thread.name} parser failed: ${error.message}`, { cause: error }),
        ),
      ),
    );
    worker.on('exit', (code) =>
      settle(() => reject(new Error(`The ${thread.name} parser stopped unexpectedly (exit code ${code})`))),
    );
  });
}

/** This file's own extension: .js compiled, .ts when the tests run the sources. */
const OWN_EXTENSION = path.extname(__filename);

function scriptOf(thread: ParserThread<unknown>): [string, WorkerOptions] {
  if ('source' in thread.script) return [thread.script.source, { eval: true }];
  const file = path.join(__dirname, `${thread.script.module}${OWN_EXTENSION}`);
  return [file, OWN_EXTENSION === '.ts' ? { execArgv: ['--require', 'ts-node/register/transpile-only'] } : {}];
}
