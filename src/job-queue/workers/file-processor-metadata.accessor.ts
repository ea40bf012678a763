import { Injectable, type Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FILE_PROCESSOR_METADATA, type FileProcessorMetadata } from '../processor-contract/file-processor.decorator';

@Injectable()
export class FileProcessorMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getMetadata(target: Type<unknown>): FileProcessorMetadata | undefined {
    return this.reflector.get<FileProcessorMetadata | undefined>(FILE_PROCESSOR_METADATA, target);
  }
}
