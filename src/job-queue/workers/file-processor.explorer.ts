import { Injectable, Logger, OnModuleInit, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { FileProcessorMetadataAccessor } from './file-processor-metadata.accessor';
import type { FileProcessorHandler } from '../processor-contract/file-processor.interface';
import { FileProcessorRegistry } from './file-processor.registry';

/**
 * Finds every provider whose class is marked with @FileProcessor (in the library and in the host app) and
 * registers it for its formats. A class provider carries its class; a factory or value provider only its
 * instance, whose constructor is the marked class (the way @nestjs/bullmq finds processors). Start-up fails when
 * a format has two processors or a marked class cannot process.
 */
@Injectable()
export class FileProcessorExplorer implements OnModuleInit {
  private readonly logger = new Logger('FileProcessors');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly accessor: FileProcessorMetadataAccessor,
    private readonly registry: FileProcessorRegistry,
  ) {}

  onModuleInit(): void {
    const registered = new Set<unknown>();
    for (const wrapper of this.discovery.getProviders()) this.registerIfProcessor(wrapper, registered);
    this.logger.log(`Formats with a processor: ${this.registry.formats().join(', ') || 'none'}`);
  }

  private registerIfProcessor(wrapper: InstanceWrapper, registered: Set<unknown>): void {
    const instance: unknown = wrapper.instance;
    if (!instance || typeof instance !== 'object') return;
    const target: unknown = !wrapper.metatype || wrapper.inject ? instance.constructor : wrapper.metatype;
    if (typeof target !== 'function') return;
    const metadata = this.accessor.getMetadata(target as Type<unknown>);
    // An alias (useExisting) hands out an instance registered already under its own token.
    if (!metadata || registered.has(instance)) return;
    registered.add(instance);
    if (!wrapper.isDependencyTreeStatic()) {
      throw new Error(`@FileProcessor class ${target.name} must not be request-scoped`);
    }
    const handler = wrapper.instance as FileProcessorHandler;
    if (typeof handler.process !== 'function') {
      throw new Error(`@FileProcessor class ${target.name} has no process(context) method`);
    }
    for (const format of metadata.formats) this.registry.register(format, { name: target.name, handler });
  }
}
