import path from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { asError } from '../common/as-error';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import type { ProcessingContext } from '../processor-contract/file-processor.interface';
import { NonRecoverableError } from '../retry/processing-error';

/**
 * A parser (PDF.js, mammoth, markdown-it) run in a worker thread of its own for each document:
 *
 * - Its heap is capped (`maxHeapMb`): a file whose parse needs more fails alone (FILE_TOO_LARGE) where it
 *   ended the whole process. A 583 KB DOCX whose main part inflates to 200 MB of XML took mammoth past Node's heap
 *   limit on the main thread (4.5 GB resident, 78 s, then "JavaScript heap out of memory"), and every instance that
 *   picked the job up again after its lease ran out died the same way.
 * - Parsing is CPU-bound: off the main thread it cannot delay lease renewals, progress or other jobs (mammoth spent
 *   24 s on 16 MB of such XML).
 * - Aborting terminates the thread at once, whatever the parser is doing.
 */

export interface ParserThread<M, R> {
  /** What the thread's parser is called in errors ("The PDF parser failed: ..."). */
  name: string;
  /** The file parsed, as its job names it: the failure of a parse that needs more heap names it. */
  fileName: string;
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
  /**
   * Each message the thread posts; `done` with the result ends the run. What it throws ends the run with that error;
   * so does anything the thread throws or rejects with, as "The <name> parser failed: ...".
   */
  onMessage(message: M, done: (result: R) => void): void;
}

/** What a processor tells the thread it starts: which file, and how much heap its parse may use. */
export type ParserLimits = Pick<ParserThread<unknown, unknown>, 'fileName' | 'maxHeapMb'>;

export function parserLimits(context: ProcessingContext, options: ResolvedJobQueueOptions): ParserLimits {
  return { fileName: context.job.fileName, maxHeapMb: options.maxParserHeapMb };
}

/**
 * Runs the thread until a message is its result. Rejects with FILE_TOO_LARGE (not retried: the file's fault) when the
 * parse needs more than `maxHeapMb`, and with the signal's reason when it aborts.
 */
export function runParserThread<M, R>(thread: ParserThread<M, R>): Promise<R> {
  const { signal } = thread;
  if (signal.aborted) return Promise.reject(asError(signal.reason));
  return new Promise<R>((resolve, reject) => {
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
        thread.onMessage(message, (result) => settle(() => resolve(result)));
      } catch (error) {
        settle(() => reject(asError(error)));
      }
    });
    worker.on('error', (error: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? tooLargeToParse(thread)
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

function tooLargeToParse({ fileName, maxHeapMb }: ParserThread<unknown, unknown>): NonRecoverableError {
  return new NonRecoverableError(
    'FILE_TOO_LARGE',
    `${fileName} is too large to parse: its parse needs more than the ${maxHeapMb} MB a parser may use (maxParserHeapMb)`,
  );
}

function scriptOf(thread: ParserThread<unknown, unknown>): [string, WorkerOptions] {
  if ('source' in thread.script) return [thread.script.source, { eval: true }];
  const file = path.join(__dirname, `${thread.script.module}${OWN_EXTENSION}`);
  return [file, OWN_EXTENSION === '.ts' ? { execArgv: ['--require', 'ts-node/register/transpile-only'] } : {}];
}
