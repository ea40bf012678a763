import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { CsvError } from 'csv-parse';
import { ProcessingStage } from '../common/job.enums';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { FileProcessor } from '../processor-contract/file-processor.decorator';
import type {
  FileProcessorHandler,
  ProcessingContext,
  ProcessingOutput,
} from '../processor-contract/file-processor.interface';
import { TableSummary, detectDelimiter } from './csv-table';
import { lazyModule } from './lazy-module';
import { malformed, readHead } from './processor-kit';
import { readChunks, textOutput } from './text-streams';

/** Bytes of the file the delimiter is detected from (its first record, unless that is longer). */
const DELIMITER_SNIFF_BYTES = 64 * 1024;
/** One record may not be longer: an unclosed quote in a large file fails here instead of filling memory. */
const MAX_RECORD_BYTES = 32 * 1024 * 1024;

/**
 * Fields one record may have: the table keeps a name and a type for each column, and the metadata shows them all. A
 * record of one-letter fields up to MAX_RECORD_BYTES is 16 million columns: 1 million (a 4 MB file) took 4.8 s on the
 * main thread, 525 MB resident and 39 MB of metadata JSON. Excel stops at 16,384 columns.
 */
export const MAX_COLUMNS = 16_384;

/** Loaded at the first CSV job, like the other parsers (csv-parse itself is small: 0.2 MB of live heap). */
const csvParse = lazyModule(() => import('csv-parse'));

/**
 * CSV and TSV, streamed through csv-parse: the cells as text (one row per line, tab-separated) and the table's
 * shape — delimiter, header, column names and types, data rows — in memory proportional to its columns only.
 */
@Injectable()
@FileProcessor('csv', 'tsv')
export class CsvProcessor implements FileProcessorHandler {
  constructor(@Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions) {}

  async process(context: ProcessingContext): Promise<ProcessingOutput> {
    context.progress.stage(ProcessingStage.READING);
    const delimiter =
      context.job.format === 'tsv'
        ? '\t'
        : detectDelimiter((await readHead(context, DELIMITER_SNIFF_BYTES)).toString('utf8'));
    const table = new TableSummary(this.options.maxExtractedTextBytes);
    const { parse, CsvError } = await csvParse();
    const parser = parse({
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_quotes: true,
      max_record_size: MAX_RECORD_BYTES,
    });
    try {
      // Records are taken as the parser emits them, so that all read before an error are counted when it comes.
      parser.on('data', (record: string[]) => {
        if (record.length <= MAX_COLUMNS) table.add(record);
        else parser.destroy(tooManyColumns(record.length, table.lines + 1));
      });
      await pipeline(readChunks(context), parser);
    } catch (error) {
      if (error instanceof CsvError) throw malformedCsv(error, table.lines);
      throw error;
    }
    context.progress.stage(ProcessingStage.EXTRACTING);
    return textOutput(table.text, { delimiter, ...table.summary() });
  }
}

type ParserError = CsvError & { lines?: number; empty_lines?: number };

function tooManyColumns(fields: number, line: number): Error {
  return malformed(
    `Malformed CSV at line ${line}: a record of ${fields} fields, more than the ${MAX_COLUMNS} columns read`,
  );
}

/**
 * MALFORMED_FILE naming the parser's line; for an unclosed quote, which the parser notices only at the end of the
 * file, also the line the quoted field opens on (the lines of the records read, and of the empty lines skipped, + 1).
 */
function malformedCsv(error: ParserError, recordLines: number): Error {
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') {
    const opening = recordLines + (error.empty_lines ?? 0) + 1;
    return malformed(
      `Malformed CSV at line ${error.lines}: a quoted field opened on line ${opening} is never closed (${error.message})`,
      error,
    );
  }
  return malformed(`Malformed CSV at line ${error.lines}: ${error.message}`, error);
}
