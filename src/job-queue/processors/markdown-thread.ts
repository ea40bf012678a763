import { parentPort, workerData } from 'node:worker_threads';
import { extractMarkdown } from './markdown-extraction';

/** The messages of a Markdown parser thread (markdown.processor.ts starts it through runParserThread). */
export type MarkdownThreadMessage =
  { type: 'parsed' } | { type: 'extracted'; extraction: ReturnType<typeof extractMarkdown> };

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
  // What it throws ends the thread with an 'error' its parent reports (runParserThread).
  post({ type: 'extracted', extraction: extractMarkdown(source, maxTextBytes, () => post({ type: 'parsed' })) });
}
