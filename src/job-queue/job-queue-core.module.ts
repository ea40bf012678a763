import { ConfigurableModuleBuilder, Global, Inject, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { PubSubEngine } from 'graphql-subscriptions';
import { CallerService } from './access/caller.service';
import { PrismaService } from './database/prisma.service';
import type { EventBuses, QueueDriver } from './database/queue-driver';
import { InMemoryEventBus } from './events/in-memory-event-bus';
import { JobEventBus } from './events/job-event-bus';
import { JobEventsPublisher } from './events/job-events.publisher';
import { LocalJobEvents } from './events/local-job-events';
import { JOB_EVENT_BUS, JOB_QUEUE_OPTIONS, QUEUE_DRIVER } from './job-queue.constants';
import { type JobQueueModuleOptions, resolveJobQueueOptions } from './job-queue.options';

export const {
  ConfigurableModuleClass: ConfigurableJobQueueCore,
  MODULE_OPTIONS_TOKEN: RAW_JOB_QUEUE_OPTIONS,
  OPTIONS_TYPE: JOB_QUEUE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: JOB_QUEUE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<JobQueueModuleOptions>({ moduleName: 'JobQueue' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createJobQueueOptions')
  .build();

/**
 * The buses the drivers choose from (they live above the database layer, so they are handed down). The LISTEN/NOTIFY
 * bus is loaded only when chosen: with it, node-postgres came into every SQLite process.
 */
export const EVENT_BUSES: EventBuses = {
  inProcess: () => new InMemoryEventBus(),
  listenNotify: (url) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
    const { PostgresEventBus } = require('./events/postgres-event-bus') as typeof import('./events/postgres-event-bus');
    return new PostgresEventBus(url);
  },
};

/** A bus with connections of its own (PostgresEventBus) is started with the module and closed at its last phase. */
type BusLifecycle = Partial<Record<'start' | 'close', () => Promise<void>>>;

/**
 * The shared core of the job queue: resolved options, the database and its driver, and the event bus.
 * Global so that the feature modules (and a host's processors) reach it; its tokens are the library's own
 * symbols, so nothing of the host's is shadowed.
 */
@Global()
@Module({
  providers: [
    {
      provide: JOB_QUEUE_OPTIONS,
      inject: [RAW_JOB_QUEUE_OPTIONS],
      useFactory: resolveJobQueueOptions,
    },
    PrismaService,
    JobEventsPublisher,
    LocalJobEvents,
    CallerService,
    JobEventBus,
    { provide: QUEUE_DRIVER, inject: [PrismaService], useFactory: (prisma: PrismaService) => prisma.driver },
    {
      provide: JOB_EVENT_BUS,
      inject: [QUEUE_DRIVER],
      useFactory: (driver: QueueDriver): PubSubEngine => driver.createEventBus(EVENT_BUSES),
    },
  ],
  // The bus itself stays here: everything else publishes and subscribes through the typed JobEventBus.
  exports: [
    JOB_QUEUE_OPTIONS,
    PrismaService,
    QUEUE_DRIVER,
    JobEventBus,
    JobEventsPublisher,
    LocalJobEvents,
    CallerService,
  ],
})
export class JobQueueCoreModule extends ConfigurableJobQueueCore implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(JOB_EVENT_BUS) private readonly bus: PubSubEngine) {
    super();
  }

  async onModuleInit(): Promise<void> {
    await (this.bus as BusLifecycle).start?.();
  }

  /**
   * The last phase: the workers drained in beforeApplicationShutdown, and the events of their last outcomes may
   * still wait in the bus's outbox; close() sends them before its pool ends (it used to end the pool first:
   * "Cannot use a pool after calling end on the pool", and those events were lost).
   */
  async onApplicationShutdown(): Promise<void> {
    await (this.bus as BusLifecycle).close?.();
  }
}
