import { Injectable } from '@nestjs/common';
import { normalizeFormat } from '../processor-contract/file-processor.decorator';
import type { FileProcessorHandler } from '../processor-contract/file-processor.interface';

export interface RegisteredProcessor {
  name: string;
  handler: FileProcessorHandler;
}

/** Format → processor, filled by the explorer at start-up. */
@Injectable()
export class FileProcessorRegistry {
  private readonly byFormat = new Map<string, RegisteredProcessor>();

  register(format: string, processor: RegisteredProcessor): void {
    const key = normalizeFormat(format);
    const existing = this.byFormat.get(key);
    if (existing) {
      throw new Error(
        `Format "${key}" has two processors: ${existing.name} and ${processor.name}. Remove one of them, or drop "${key}" from one @FileProcessor().`,
      );
    }
    this.byFormat.set(key, processor);
  }

  /** A job's format is stored normalized, so it is looked up as it is first (once per job on the hot path). */
  get(format: string): RegisteredProcessor | undefined {
    return this.byFormat.get(format) ?? this.byFormat.get(normalizeFormat(format));
  }

  formats(): string[] {
    return [...this.byFormat.keys()].sort();
  }
}
