import { Inject } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  FileProcessor,
  type FileProcessorHandler,
  JobQueueModule,
  type ProcessingContext,
  type ProcessingOutput,
} from '../../src/job-queue';
import { countAbortControllers } from '../support/counted-abort-controllers';
import { databaseLabel } from '../support/database';
import { hostModule, useHostApps } from '../support/host-app';

const GREETING = 'GREETING';

/** No @Injectable: @FileProcessor alone makes the class injectable, its constructor dependency included. */
@FileProcessor('greet')
class GreetingProcessor implements FileProcessorHandler {
  constructor(@Inject(GREETING) private readonly greeting: string) {}

  async process(): Promise<ProcessingOutput> {
    return { metadata: { greeting: this.greeting } };
  }
}

/** Built by the host, not by Nest: given as a factory provider and as a value provider. */
@FileProcessor('shout', 'whisper')
class VoiceProcessor implements FileProcessorHandler {
  constructor(private readonly voice: string) {}

  async process({ job }: ProcessingContext): Promise<ProcessingOutput> {
    return { metadata: { voice: this.voice, format: job.format } };
  }
}

/** Returns far more text than the queue keeps, as a processor that ignores the cap would. */
@FileProcessor('verbose')
class VerboseProcessor implements FileProcessorHandler {
  async process(): Promise<ProcessingOutput> {
    return { extractedText: 'é'.repeat(5_000), metadata: { lines: 1 } };
  }
}

/** Reads its attempt's signal, which the worker then makes for it (a processor that does not read it gets none). */
@FileProcessor('listen')
class SignalReadingProcessor implements FileProcessorHandler {
  async process({ signal }: ProcessingContext): Promise<ProcessingOutput> {
    return { metadata: { signal: signal instanceof AbortSignal, aborted: signal.aborted } };
  }
}

@FileProcessor('nothing')
class NotAProcessor {}

describe(`Processors given every way a Nest provider can be (${databaseLabel})`, () => {
  const { queueOptions, startHost, uploadAndSettle } = useHostApps();

  it('runs a class provider with no @Injectable, a factory provider and an alias of it, each once per format', async () => {
    const app = await startHost(JobQueueModule.forRoot(await queueOptions()), [
      { provide: GREETING, useValue: 'hello' },
      GreetingProcessor,
      { provide: 'SHOUTING', useFactory: () => new VoiceProcessor('loud') },
      { provide: 'SHOUTING_ALIAS', useExisting: 'SHOUTING' },
    ]);
    expect(await uploadAndSettle(app, 'a.greet', 'x')).toMatchObject({
      status: 'COMPLETED',
      metadata: { greeting: 'hello' },
    });
    expect(await uploadAndSettle(app, 'b.shout', 'x')).toMatchObject({
      status: 'COMPLETED',
      metadata: { voice: 'loud', format: 'shout' },
    });
    expect(await uploadAndSettle(app, 'c.whisper', 'x')).toMatchObject({
      status: 'COMPLETED',
      metadata: { voice: 'loud', format: 'whisper' },
    });
  });

  it('runs a value provider', async () => {
    const app = await startHost(JobQueueModule.forRoot(await queueOptions()), [
      { provide: 'QUIET', useValue: new VoiceProcessor('soft') },
    ]);
    expect(await uploadAndSettle(app, 'd.whisper', 'x')).toMatchObject({
      status: 'COMPLETED',
      metadata: { voice: 'soft' },
    });
  });

  it('makes an AbortSignal only for a processor that reads one (on Node 20 ~10 µs of worker CPU a no-op job otherwise)', async () => {
    const app = await startHost(JobQueueModule.forRoot(await queueOptions()), [
      { provide: GREETING, useValue: 'hello' },
      GreetingProcessor,
      SignalReadingProcessor,
    ]);
    const controllers = countAbortControllers();
    try {
      expect(await uploadAndSettle(app, 'a.greet', 'x')).toMatchObject({ status: 'COMPLETED' });
      expect(controllers.made()).toBe(0);
      // The control: a processor that reads the signal gets a live one, the one AbortController of its attempt.
      expect(await uploadAndSettle(app, 'b.listen', 'x')).toMatchObject({
        status: 'COMPLETED',
        metadata: { signal: true, aborted: false },
      });
      expect(controllers.made()).toBe(1);
    } finally {
      controllers.restore();
    }
  });

  it('keeps at most maxExtractedTextBytes of any processor’s text, whole characters only, and says so in metadata', async () => {
    const app = await startHost(
      JobQueueModule.forRoot({ ...(await queueOptions()), maxExtractedTextBytes: 1_001, analyzer: null }),
      [VerboseProcessor],
    );
    const job = await uploadAndSettle(app, 'e.verbose', 'x');
    expect(job).toMatchObject({ status: 'COMPLETED', metadata: { lines: 1, textBytes: 10_000, truncated: true } });
    expect(job.extractedText).toBe('é'.repeat(500));
  });

  it('refuses to start when a factory provider’s @FileProcessor object has no process method, naming it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        hostModule(JobQueueModule.forRoot(await queueOptions()), [
          { provide: 'BROKEN', useFactory: () => new NotAProcessor() },
        ]),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    try {
      await expect(app.init()).rejects.toThrow('@FileProcessor class NotAProcessor has no process(context) method');
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
