import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type LogSettings, loggingModule } from './logging';
import { stopTracing } from './tracing';

/**
 * The standalone server's logs and traces: pino when `logging` is given (loadConfig always gives it; a hand-built
 * config, as in tests, keeps Nest's logger), and the tracing SDK (started by main.ts) flushed at shutdown, once the
 * workers have drained (their hooks run before this one).
 */
@Module({})
export class ObservabilityModule implements OnApplicationShutdown {
  static forRoot(logging: LogSettings | undefined): DynamicModule {
    return { module: ObservabilityModule, imports: logging ? [loggingModule(logging)] : [] };
  }

  async onApplicationShutdown(): Promise<void> {
    await stopTracing();
  }
}
