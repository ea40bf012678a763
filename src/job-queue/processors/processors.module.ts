import { Module } from '@nestjs/common';
import { TextProcessor } from './text.processor';
import { CsvProcessor } from './csv.processor';
import { JsonProcessor, NdjsonProcessor } from './json.processor';
import { MarkdownProcessor } from './markdown.processor';
import { HtmlProcessor } from './html.processor';
import { PdfProcessor } from './pdf.processor';
import { DocxProcessor } from './docx.processor';
import { ImageProcessor } from './image.processor';

/** The processors that ship with the library; a host adds its own anywhere in its app. */
@Module({
  providers: [
    TextProcessor,
    PdfProcessor,
    DocxProcessor,
    ImageProcessor,
    CsvProcessor,
    JsonProcessor,
    NdjsonProcessor,
    MarkdownProcessor,
    HtmlProcessor,
  ],
})
export class BuiltInProcessorsModule {}
