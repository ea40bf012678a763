import { type ParserLimits, runParserThread } from './parser-thread';

/**
 * DOCX text extraction with mammoth, run in a parser thread of its own for each document (parser-thread.ts: its heap
 * capped, off the main thread, terminated on abort). Everything that inflates a part of the archive runs there: the
 * ZIP's directory, docProps/core.xml through xmldom, and mammoth's read of the document; a part of a few hundred KB
 * can inflate to gigabytes.
 */

/** A property of docProps/core.xml: its element's namespace and local name. */
export interface CoreProperty {
  namespace: string;
  element: string;
}

/** mammoth, JSZip or xmldom could not read the document; `part` says which step. */
export class DocxReadError extends Error {
  constructor(
    readonly part: 'archive' | 'document',
    message: string,
  ) {
    super(message);
    this.name = 'DocxReadError';
  }
}

export interface DocxExtractionHandlers {
  signal: AbortSignal;
  /** The archive opened; the text of each core property asked for (trimmed, null when absent or empty). */
  onOpened(properties: (string | null)[]): void;
}

type WorkerMessage =
  | { type: 'opened'; properties: (string | null)[] }
  | { type: 'text'; text: string }
  | { type: 'failed'; part: 'archive' | 'document'; message: string };

/** Runs in the thread, as plain JavaScript (it is evaluated, not compiled). */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');

async function coreProperties(JSZip, DOMParser, archive) {
  const xml = await archive.file('docProps/core.xml')?.async('string').catch(() => undefined);
  if (!xml) return workerData.properties.map(() => null);
  const quiet = () => undefined;
  const document = new DOMParser({ errorHandler: { warning: quiet, error: quiet, fatalError: quiet } })
    .parseFromString(xml, 'text/xml');
  return workerData.properties.map(({ namespace, element }) => {
    const value = document && document.getElementsByTagNameNS(namespace, element).item(0);
    const text = value && value.textContent && value.textContent.trim();
    return text || null;
  });
}

async function run() {
  const [mammoth, JSZip, { DOMParser }] = workerData.modules.map((module) => require(module));
  const data = Buffer.from(workerData.data.buffer, workerData.data.byteOffset, workerData.data.byteLength);
  let archive;
  try {
    archive = await JSZip.loadAsync(data);
  } catch (error) {
    parentPort.postMessage({ type: 'failed', part: 'archive', message: String((error && error.message) || error) });
    return;
  }
  parentPort.postMessage({ type: 'opened', properties: await coreProperties(JSZip, DOMParser, archive) });
  archive = undefined;
  try {
    const raw = await mammoth.extractRawText({ buffer: data });
    parentPort.postMessage({ type: 'text', text: raw.value });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', part: 'document', message: String((error && error.message) || error) });
  }
}
run();
`;

const MODULES = ['mammoth', 'jszip', '@xmldom/xmldom'].map((name) => require.resolve(name));

/**
 * The raw text of the document (mammoth's: paragraphs separated by a blank line). Rejects with DocxReadError when the
 * archive or the document cannot be read; for the rest, as runParserThread does. `data` is transferred to the thread
 * (unusable here afterwards).
 */
export function extractDocxText(
  data: Uint8Array,
  properties: CoreProperty[],
  limits: ParserLimits,
  handlers: DocxExtractionHandlers,
): Promise<string> {
  return runParserThread<WorkerMessage, string>({
    ...limits,
    name: 'DOCX',
    script: { source: WORKER_SOURCE },
    workerData: { data, properties, modules: MODULES },
    transferList: [data.buffer as ArrayBuffer],
    signal: handlers.signal,
    onMessage: (message, done) => {
      if (message.type === 'opened') handlers.onOpened(message.properties);
      else if (message.type === 'text') done(message.text);
      else throw new DocxReadError(message.part, message.message);
    },
  });
}
