/**
 * What the binary-format processor suites share: a service on a database of their own, the PDF and DOCX they
 * generate, and an upload awaited until its job has an outcome, read back through the API.
 */
import { uploadUntilSettled } from './api-helpers';
import { docxFile, type PdfSample, pdfFile } from './binary-samples';
import { type TestApp, useTestApp } from './test-app';

const JOB_QUERY = `query($id: ID!) {
  job(id: $id) {
    format status stage progress extractedText metadata result errorCode errorMessage errorRecoverable
    retryCount bytesProcessed fileSize attempts { number errorCode }
  }
}`;

const PDF: PdfSample = {
  pages: ['Quarterly report', 'Revenue grew by 12%\nCosts fell by 3%', 'Ünïcödé façade, naïve café'],
  title: 'Quarterly report Q3',
  author: 'Ada Lovelace',
  subject: 'Finance',
  creator: 'Report writer 2.1',
  producer: 'pdf-lib',
  creationDate: new Date('2024-03-01T09:30:00Z'),
  modificationDate: new Date('2024-03-02T17:45:10Z'),
};

const DOCX = {
  paragraphs: ['Meeting notes', '', 'Alpha beta gamma.', 'Délta — epsilon, l’été'],
  title: 'Weekly meeting',
  author: 'Grace Hopper',
  subject: 'Minutes',
  created: new Date('2024-05-06T07:08:09Z'),
  modified: new Date('2024-05-07T10:11:12Z'),
};

/** Uploads `content` as `name` (default retries: 3) and resolves with the job once it is settled. */
const processUpload = (service: TestApp, name: string, content: Buffer) =>
  uploadUntilSettled(service, { name, content }, JOB_QUERY);

/** The PDF and DOCX made from PDF and DOCX, and uploads to a service on a database of the suite's own. */
export interface BinaryFormatsSuite {
  pdf: Buffer;
  docx: Buffer;
  /** processUpload on the suite's service. */
  upload(name: string, content: Buffer): ReturnType<typeof processUpload>;
}

/** The suite's app and samples, made in beforeAll (useTestApp closes the app): call it at the top of a describe. */
export function binaryFormatsSuite(): BinaryFormatsSuite {
  let service: TestApp;
  const suite = {
    upload: (name: string, content: Buffer) => processUpload(service, name, content),
  } as BinaryFormatsSuite;
  useTestApp({}, (started) => (service = started.service));
  beforeAll(async () => {
    [suite.pdf, suite.docx] = await Promise.all([pdfFile(PDF), docxFile(DOCX)]);
  });
  return suite;
}
