/**
 * A standalone service process for the SIGTERM test: the real AppModule configured from the environment
 * (DATABASE_URL, STORAGE_DIR, PORT, SHUTDOWN_TIMEOUT_MS, ...) plus a processor of the format "slow" that runs
 * for ten minutes unless its signal aborts. Prints `SLOW_HOST_READY port=<port>` once it listens.
 *
 *   node -r ts-node/register/transpile-only test/support/slow-host.ts
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/environment';
import { recordingProcessor } from './queue-helpers';

export const READY_PREFIX = 'SLOW_HOST_READY port=';

async function main(): Promise<void> {
  const config = loadConfig();
  const slow = recordingProcessor('slow', { durationMs: 10 * 60_000 });

  @Module({ imports: [AppModule.forRoot(config)], providers: [slow.processor] })
  class SlowHostModule {}

  const app = await NestFactory.create(SlowHostModule, { logger: ['log', 'warn', 'error'] });
  app.enableShutdownHooks();
  await app.listen(config.port, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`${READY_PREFIX}${port}\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  });
}
