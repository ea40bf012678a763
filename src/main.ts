import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { signInAtStartup } from './auth/auth-settings';
import { loadConfig } from './config/environment';
import { limitJsonBodies } from './http-security/body-limit';
import { servedPages } from './served-pages';

async function bootstrap(): Promise<void> {
  let config;
  let appModule;
  try {
    config = loadConfig();
    const signIn = signInAtStartup(config.auth!, config.production);
    if (signIn.refusal) throw new Error(`Refusing to start: ${signIn.refusal}`);
    if (signIn.warning) Logger.warn(signIn.warning, 'Auth');
    appModule = AppModule.forRoot(config); // reads AUTH_API_KEYS_FILE: a bad one stops here
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  const app = await NestFactory.create<NestExpressApplication>(appModule);
  limitJsonBodies(app, config.maxJsonBodyBytes!); // before listen: Nest's own 100 kB parser is then left out
  app.enableShutdownHooks();
  await app.listen(config.port);
  Logger.log(`Listening on http://localhost:${config.port}: ${servedPages(app, config)}`, 'Bootstrap');
}

void bootstrap();
