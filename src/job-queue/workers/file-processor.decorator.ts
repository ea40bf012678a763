import { SetMetadata } from '@nestjs/common';
import { FILE_PROCESSOR_METADATA } from '../job-queue.constants';

export interface FileProcessorMetadata {
  formats: string[];
}

export function normalizeFormat(format: string): string {
  return format.trim().replace(/^\./, '').toLowerCase();
}

/**
 * Marks a provider as the processor of one or more file formats (extensions, without the dot). The class
 * must implement FileProcessorHandler; it is discovered at start-up.
 */
export function FileProcessor(...formats: string[]): ClassDecorator {
  if (formats.length === 0) throw new Error('@FileProcessor() needs at least one format');
  return SetMetadata<string, FileProcessorMetadata>(FILE_PROCESSOR_METADATA, { formats: formats.map(normalizeFormat) });
}
