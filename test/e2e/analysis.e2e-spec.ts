import { Injectable } from '@nestjs/common';
import {
  FileProcessor,
  type FileProcessorHandler,
  type ProcessingContext,
  type TextAnalyzer,
} from '../../src/job-queue';
import { createTestDatabase, databaseLabel, type TestDatabase } from '../support/database';
import { startTestApp, type TestApp, waitFor } from '../support/test-app';

/** Extracts a fixed text and counts how often it was asked to. */
@Injectable()
@FileProcessor('note')
class NoteProcessor implements FileProcessorHandler {
  static calls = 0;

  async process(_context: ProcessingContext) {
    NoteProcessor.calls++;
    return { extractedText: 'alpha beta gamma alpha', metadata: { source: 'note' }, result: { pages: 1 } };
  }
}

/** Fails its first call (a remote analysis service that is down for a moment), then answers. */
class FlakyAnalyzer implements TextAnalyzer {
  calls: string[] = [];

  async analyze({ text }: { text: string }) {
    this.calls.push(text);
    if (this.calls.length === 1) throw new Error('analysis service unavailable');
    return { summary: text.slice(0, 5) };
  }
}

const JOB = `query($id: ID!) { job(id: $id) { status stage extractedText metadata result errorCode attempts { outcome errorCode } } }`;

async function uploadAndSettle(service: TestApp, name: string, content: string, status: string) {
  const upload = await service.http().post('/files').attach('file', Buffer.from(content), name).expect(201);
  return waitFor(async () => {
    const { data } = await service.gql(JOB, { id: upload.body.job.id });
    return data.job.status === status ? data.job : null;
  });
}

describe(`Analysis stage (${databaseLabel})`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('stores the default local analysis under result.analysis', async () => {
    const service = await startTestApp(database);
    try {
      const job = await uploadAndSettle(service, 'words.txt', 'Parsing files, parsing queues.\n', 'COMPLETED');
      expect(job.result).toEqual({
        analysis: {
          wordCount: 4,
          topTerms: [
            { term: 'parsing', count: 2 },
            { term: 'files', count: 1 },
            { term: 'queues', count: 1 },
          ],
          readingTimeMinutes: 0,
        },
      });
    } finally {
      await service.close();
    }
  });

  it('keeps the extraction when the analyzer fails, and runs only the analysis again', async () => {
    const analyzer = new FlakyAnalyzer();
    // The retry waits an hour, so the RETRYING state can be looked at whatever the machine's load; then it is made due.
    const retry = { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 };
    const service = await startTestApp(database, { providers: [NoteProcessor], queue: { analyzer, retry } });
    try {
      NoteProcessor.calls = 0;
      const upload = await service.http().post('/files').attach('file', Buffer.from('x'), 'a.note').expect(201);
      const retrying = await waitFor(async () => {
        const { data } = await service.gql(JOB, { id: upload.body.job.id });
        return data.job.status === 'RETRYING' ? data.job : null;
      });
      expect(retrying).toMatchObject({
        errorCode: 'ANALYSIS_FAILED',
        extractedText: 'alpha beta gamma alpha',
        metadata: { source: 'note' },
        result: { pages: 1, analysisPending: true },
      });
      await service.prisma.driver.records.overwriteJob(upload.body.job.id, { availableAt: new Date() });
      const job = await waitFor(async () => {
        const { data } = await service.gql(JOB, { id: upload.body.job.id });
        return data.job.status === 'COMPLETED' ? data.job : null;
      });
      expect(job).toMatchObject({ extractedText: 'alpha beta gamma alpha', metadata: { source: 'note' } });
      expect(job.result).toEqual({ pages: 1, analysis: { summary: 'alpha' } });
      expect(job.attempts).toEqual([
        { outcome: 'RETRYING', errorCode: 'ANALYSIS_FAILED' },
        { outcome: 'COMPLETED', errorCode: null },
      ]);
      expect(NoteProcessor.calls).toBe(1);
      expect(analyzer.calls).toEqual(['alpha beta gamma alpha', 'alpha beta gamma alpha']);
    } finally {
      await service.close();
    }
  });

  it('fails the analysis the same way when the analyzer throws rather than rejects', async () => {
    const throwing: TextAnalyzer = {
      analyze: () => {
        throw new Error('analyzer misconfigured');
      },
    };
    const retry = { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 };
    const service = await startTestApp(database, { providers: [NoteProcessor], queue: { analyzer: throwing, retry } });
    try {
      const job = await uploadAndSettle(service, 'b.note', 'x', 'RETRYING');
      expect(job).toMatchObject({
        errorCode: 'ANALYSIS_FAILED',
        extractedText: 'alpha beta gamma alpha',
        result: { pages: 1, analysisPending: true },
      });
    } finally {
      await service.close();
    }
  });

  it('skips the analysis stage when the analyzer is turned off', async () => {
    const service = await startTestApp(database, { queue: { analyzer: null } });
    try {
      const job = await uploadAndSettle(service, 'plain.txt', 'no analysis here\n', 'COMPLETED');
      expect(job.result).toBeNull();
      expect(job.extractedText).toBe('no analysis here\n');
    } finally {
      await service.close();
    }
  });
});
