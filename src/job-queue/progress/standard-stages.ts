import type { Readable } from 'node:stream';
import { ProcessingStage } from '../common/job.enums';
import type { FileProcessorHandler, ProcessingContext } from '../processor-contract/file-processor.interface';

/**
 * Wraps any processor so that it reports the standard stages without doing so itself: VALIDATING before it
 * starts, READING with bytes while it reads its stream, FINALIZING when it returns.
 */
export function withStandardStages(handler: FileProcessorHandler): FileProcessorHandler {
  return {
    async process(context: ProcessingContext) {
      context.progress.stage(ProcessingStage.VALIDATING);
      const openStream = (range?: { start?: number; end?: number }): Readable => {
        context.progress.stage(ProcessingStage.READING);
        const stream = context.openStream(range);
        let position = range?.start ?? 0;
        stream.on('data', (chunk: Buffer) => {
          position += chunk.length;
          context.progress.bytes(position);
        });
        return stream;
      };
      const output = await handler.process({ ...context, openStream });
      context.progress.stage(ProcessingStage.FINALIZING);
      return output;
    },
  };
}

/** Method decorator for a processor's `process`: the same as wrapping the processor in withStandardStages. */
export function ReportStandardStages(): MethodDecorator {
  return (_target, _key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as FileProcessorHandler['process'];
    descriptor.value = function (this: unknown, context: ProcessingContext) {
      return withStandardStages({ process: (wrapped) => original.call(this, wrapped) }).process(context);
    };
    return descriptor;
  };
}
