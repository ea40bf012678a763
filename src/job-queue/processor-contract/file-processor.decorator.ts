import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';

/** The metadata key @FileProcessor sets, read by the workers' explorer. */
export const FILE_PROCESSOR_METADATA = 'file-jobs:processor';

export interface FileProcessorMetadata {
  formats: string[];
}

export function normalizeFormat(format: string): string {
  return format.trim().replace(/^\./, '').toLowerCase();
}

/**
 * Marks a class as the processor of one or more file formats (extensions, without the dot) and makes it
 * injectable. The class must implement FileProcessorHandler; its provider (class, factory or value) is
 * discovered at start-up.
 */
export function FileProcessor(...formats: string[]): ClassDecorator {
  if (formats.length === 0) throw new Error('@FileProcessor() needs at least one format');
  return applyDecorators(
    Injectable(),
    SetMetadata<string, FileProcessorMetadata>(FILE_PROCESSOR_METADATA, { formats: formats.map(normalizeFormat) }),
  );
}
