import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  FileProcessor,
  type FileProcessorHandler,
  JobQueueModule,
  type ProcessingContext,
  type ProcessingOutput,
} from '../../src/job-queue';
import { databaseLabel } from '../support/database';
import { hostModule, useHostApps } from '../support/host-app';
import { PROGRESS_SUBSCRIPTION, subscribe } from '../support/subscriptions';

/** The host's own processor: counts the words of a .wordcount file. */
@Injectable()
@FileProcessor('wordcount')
class WordCountProcessor implements FileProcessorHandler {
  async process({ openStream, progress }: ProcessingContext): Promise<ProcessingOutput> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of openStream() as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      progress.bytes((bytes += chunk.length));
    }
    const words = Buffer.concat(chunks).toString('utf8').split(/\s+/).filter(Boolean).length;
    return { metadata: { words } };
  }
}

@Injectable()
@FileProcessor('dup', 'first')
class FirstDupProcessor implements FileProcessorHandler {
  async process(): Promise<ProcessingOutput> {
    return {};
  }
}

@Injectable()
@FileProcessor('second', '.DUP')
class SecondDupProcessor implements FileProcessorHandler {
  async process(): Promise<ProcessingOutput> {
    return {};
  }
}

describe(`A host app importing JobQueueModule (${databaseLabel})`, () => {
  const { queueOptions, startHost, uploadAndSettle } = useHostApps();

  it('runs its own @FileProcessor provider with options from forRootAsync', async () => {
    const options = await queueOptions();
    const app = await startHost(JobQueueModule.forRootAsync({ useFactory: async () => options }), [WordCountProcessor]);
    const job = await uploadAndSettle(app, 'speech.wordcount', 'four score  and\nseven years ago\n');
    expect(job).toMatchObject({
      status: 'COMPLETED',
      errorCode: null,
      metadata: { words: 6 },
      attempts: [{ number: 1, outcome: 'COMPLETED' }],
    });

    // The host's graphql-ws endpoint serves the queue's subscriptions: a finished job's progress ends at once.
    const updates = await subscribe(app.wsClient(), PROGRESS_SUBSCRIPTION, { jobId: job.id }, 'jobProgress').finished;
    expect(updates).toEqual([expect.objectContaining({ jobId: job.id, status: 'COMPLETED', progress: 100 })]);
  });

  it('with builtInProcessors: false, fails txt jobs at once: UNSUPPORTED_FORMAT, not recoverable, one attempt', async () => {
    const app = await startHost(JobQueueModule.forRoot({ ...(await queueOptions()), builtInProcessors: false }), [
      WordCountProcessor,
    ]);
    const job = await uploadAndSettle(app, 'notes.txt', 'plain text nobody reads');
    expect(job).toMatchObject({
      status: 'FAILED',
      errorCode: 'UNSUPPORTED_FORMAT',
      errorRecoverable: false,
      retryCount: 0,
      attempts: [{ number: 1, outcome: 'FAILED', errorCode: 'UNSUPPORTED_FORMAT' }],
    });
  });

  it('refuses to start when two providers declare the same format, naming it and both classes', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [hostModule(JobQueueModule.forRoot(await queueOptions()), [FirstDupProcessor, SecondDupProcessor])],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      const startup = app.init();
      await expect(startup).rejects.toThrow(
        /Format "dup" has two processors: (FirstDupProcessor and SecondDupProcessor|SecondDupProcessor and FirstDupProcessor)/,
      );
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
