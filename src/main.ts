import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { signInAtStartup } from './auth/auth-settings';
import { loadConfig } from './config/environment';
import { limitJsonBodies } from './http-security/body-limit';
import { startTracing } from './observability/tracing';
import { servedPages } from './served-pages';

async function bootstrap(): Promise<void> {
  let config;
  let appModule;
  let signInWarning: string | undefined;
  try {
    config = loadConfig();
    const signIn = signInAtStartup(config.auth!, config.production);
    if (signIn.refusal) throw new Error(`Refusing to start: ${signIn.refusal}`);
    signInWarning = signIn.warning;
    appModule = AppModule.forRoot(config); // reads AUTH_API_KEYS_FILE: a bad one stops here
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  // Before the app is built: the queue's spans go to the SDK from the first one (OTEL_EXPORTER_OTLP_ENDPOINT).
  const tracing = startTracing();
  // Lines logged while booting wait for pino rather than going out as Nest's text (LOG_FORMAT, LOG_LEVEL).
  const app = await NestFactory.create<NestExpressApplication>(appModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  if (signInWarning) Logger.warn(signInWarning, 'Auth');
  limitJsonBodies(app, config.maxJsonBodyBytes!); // before listen: Nest's own 100 kB parser is then left out
  app.enableShutdownHooks();
  await app.listen(config.port);
  const { port } = app.getHttpServer().address() as AddressInfo; // PORT=0: the port the system chose
  Logger.log(`Listening on http://localhost:${port}: ${servedPages(app, config)}`, 'Bootstrap');
  if (tracing) Logger.log('Exporting traces over OTLP/HTTP (OTEL_EXPORTER_OTLP_ENDPOINT)', 'Bootstrap');
}

void bootstrap();
