import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ParserLimits, runParserThread } from './parser-thread';

/**
 * PDF text extraction with PDF.js (pdfjs-dist, Mozilla), run in a parser thread of its own for each document
 * (parser-thread.ts: its heap capped, off the main thread, terminated on abort). pdfjs-dist ships ES modules only; a
 * worker thread loads it with a real `import()`, which works the same from the compiled CommonJS of the service and
 * under Jest (whose module system cannot load ES modules).
 */

/** Document information, normalised: strings only when present, dates as ISO strings. */
export interface PdfDocumentInfo {
  pageCount: number;
  pdfVersion?: string;
  title?: string;
  author?: string;
  subject?: string;
  keywords?: string;
  creator?: string;
  producer?: string;
  creationDate?: string;
  modificationDate?: string;
}

export interface PdfPageText {
  number: number;
  text: string;
}

/** PDF.js could not read the document (`name` is its exception class), or one of its pages. */
export class PdfReadError extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly page?: number,
  ) {
    super(message);
    this.name = 'PdfReadError';
  }
}

export interface PdfExtractionHandlers {
  signal: AbortSignal;
  /** The document opened: its page count and information. */
  onDocument(info: PdfDocumentInfo): void;
  /** One page's text, in page order. */
  onPage(page: PdfPageText): void;
}

type WorkerMessage =
  | { type: 'document'; info: PdfDocumentInfo }
  | { type: 'page'; page: PdfPageText }
  | { type: 'failed'; name: string; message: string; page?: number }
  | { type: 'done' };

const PDFJS_ROOT = path.dirname(require.resolve('pdfjs-dist/package.json'));

/** Runs in the worker, as plain JavaScript (it is evaluated, not compiled). */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const INFO_KEYS = { Title: 'title', Author: 'author', Subject: 'subject', Keywords: 'keywords', Creator: 'creator', Producer: 'producer' };
const DATE_KEYS = { CreationDate: 'creationDate', ModDate: 'modificationDate' };

function describe(pdfjs, raw, pageCount) {
  const info = { pageCount };
  if (typeof raw.PDFFormatVersion === 'string') info.pdfVersion = raw.PDFFormatVersion;
  for (const [key, name] of Object.entries(INFO_KEYS)) {
    if (typeof raw[key] === 'string' && raw[key].trim()) info[name] = raw[key].trim();
  }
  for (const [key, name] of Object.entries(DATE_KEYS)) {
    const date = typeof raw[key] === 'string' ? pdfjs.PDFDateString.toDateObject(raw[key]) : null;
    if (date && !Number.isNaN(date.getTime())) info[name] = date.toISOString();
  }
  return info;
}

function pageText(content) {
  return content.items
    .map((item) => (typeof item.str === 'string' ? item.str + (item.hasEOL ? '\n' : '') : ''))
    .join('')
    .replace(/\s+$/, '');
}

async function run() {
  const pdfjs = await import(workerData.moduleUrl);
  let document;
  let current;
  try {
    document = await pdfjs.getDocument({
      data: workerData.data,
      isEvalSupported: false,
      verbosity: 0,
      cMapUrl: workerData.cMapUrl,
      cMapPacked: true,
      standardFontDataUrl: workerData.standardFontDataUrl,
    }).promise;
    const { info } = await document.getMetadata();
    parentPort.postMessage({ type: 'document', info: describe(pdfjs, info || {}, document.numPages) });
    for (current = 1; current <= document.numPages; current++) {
      const page = await document.getPage(current);
      parentPort.postMessage({ type: 'page', page: { number: current, text: pageText(await page.getTextContent()) } });
      page.cleanup();
    }
    parentPort.postMessage({ type: 'done' });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', name: (error && error.name) || 'Error', message: String((error && error.message) || error), page: current });
  } finally {
    if (document) await document.destroy();
  }
}
run();
`;

/**
 * Extracts the text of `data` page by page. Rejects with PdfReadError when PDF.js cannot read the document or a
 * page; for the rest, as runParserThread does. `data` is transferred to the thread (unusable here afterwards).
 */
export function extractPdfText(data: Uint8Array, limits: ParserLimits, handlers: PdfExtractionHandlers): Promise<void> {
  return runParserThread<WorkerMessage, void>({
    ...limits,
    name: 'PDF',
    script: { source: WORKER_SOURCE },
    workerData: {
      data,
      moduleUrl: pathToFileURL(path.join(PDFJS_ROOT, 'legacy/build/pdf.mjs')).href,
      cMapUrl: `${path.join(PDFJS_ROOT, 'cmaps')}${path.sep}`,
      standardFontDataUrl: `${path.join(PDFJS_ROOT, 'standard_fonts')}${path.sep}`,
    },
    transferList: [data.buffer as ArrayBuffer],
    signal: handlers.signal,
    onMessage: (message, done) => {
      if (message.type === 'document') handlers.onDocument(message.info);
      else if (message.type === 'page') handlers.onPage(message.page);
      else if (message.type === 'done') done();
      else throw new PdfReadError(message.name, message.message, message.page);
    },
  });
}
