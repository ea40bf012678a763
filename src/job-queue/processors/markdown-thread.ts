import { parentPort, workerData } from 'node:worker_threads';
import { extractMarkdown } from './markdown-extraction';

/** The messages of a Markdown parser thread (markdown.processor.ts starts it through runParserThread). */
export type MarkdownThreadMessage =
  | { type: 'parsed' }
  | { type: 'extracted'; extraction: ReturnType<typeof extractMarkdown> }
  | { type: 'failed'; message: string };

/** What the thread is given. */
export interface MarkdownThreadInput {
  source: string;
  maxTextBytes: number;
}

// Run only as a thread's entry: imported elsewhere (for its types), it does nothing.
if (parentPort && (workerData as { markdownThread?: MarkdownThreadInput } | null)?.markdownThread) {
  const port = parentPort;
  const { source, maxTextBytes } = (workerData as { markdownThread: MarkdownThreadInput }).markdownThread;
  const post = (message: MarkdownThreadMessage) => port.postMessage(message);
  try {
    const extraction = extractMarkdown(source, maxTextBytes, () => post({ type: 'parsed' }));
    post({ type: 'extracted', extraction });
  } catch (error) {
    post({ type: 'failed', message: String((error as Error)?.message ?? error) });
  }
}
