import { Injectable } from '@nestjs/common';
import { ProcessingStage } from '../common/job.enums';
import { FileProcessor } from '../processor-contract/file-processor.decorator';
import type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from '../processor-contract/file-processor.interface';
import { ByteCursor, EndOfFile } from './binary-input';
import { BadImageHeader, IMAGE_MIME_TYPES, type ImageType, readImageHeader } from './image-headers';
import { confirmSignature, malformed } from './processor-kit';

/** Job formats (extensions) and the image type (signature name) each one must be. */
const TYPE_OF_FORMAT: Record<string, ImageType> = { png: 'png', jpg: 'jpg', jpeg: 'jpg', gif: 'gif', webp: 'webp' };

/**
 * Images: confirms the signature, then reads the header only (up to the frame header for JPEG) for the type,
 * width and height, with a few format-specific details. No text is extracted.
 */
@Injectable()
@FileProcessor('png', 'jpg', 'jpeg', 'gif', 'webp')
export class ImageProcessor implements FileProcessorHandler {
  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    const type = TYPE_OF_FORMAT[context.job.format];
    await confirmSignature(context, type);
    context.progress.stage(ProcessingStage.READING);
    const cursor = new ByteCursor(context);
    try {
      const header = await readImageHeader(type, cursor);
      context.progress.stage(ProcessingStage.EXTRACTING);
      return {
        extractedText: null,
        metadata: {
          type,
          mimeType: IMAGE_MIME_TYPES[type],
          width: header.width,
          height: header.height,
          ...header.details,
          bytes: Number(context.job.fileSize),
        },
      };
    } catch (error) {
      const label = `${context.job.fileName} is not a well-formed ${type.toUpperCase()} image`;
      if (error instanceof EndOfFile) throw malformed(`${label}: its header is truncated (${error.message})`, error);
      if (error instanceof BadImageHeader) throw malformed(`${label}: ${error.message} (byte ${error.offset})`, error);
      throw error;
    } finally {
      await cursor.close();
    }
  }
}
