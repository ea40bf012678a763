import { Controller, HttpCode, HttpStatus, Post, Req, UseFilters } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { Caller } from '../common/caller';
import { CallerService } from '../common/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import type { JobRecord, StoredFileRecord } from '../common/job-record';
import { JobsService } from '../jobs/jobs.service';
import { ProcessingJobModel } from '../jobs/models/processing-job.model';
import { FileStorageService } from './file-storage.service';
import { FilesErrorCode, FilesException } from './files.exception';
import { parseUploadFields } from './upload-fields';

/** Multipart overhead allowed on top of maxUploadBytes before a Content-Length alone is refused. */
const MULTIPART_OVERHEAD = 64 * 1024;

export interface UploadResponse {
  file: { id: string; name: string; size: number; format: string; checksum: string };
  job: ProcessingJobModel | null;
}

@Controller('files')
@UseFilters(JobQueueExceptionFilter)
export class FilesController {
  constructor(
    private readonly storage: FileStorageService,
    private readonly jobs: JobsService,
    private readonly callers: CallerService,
  ) {}

  /** multipart/form-data: `file`, and optional `priority`, `maxRetries`, `options` (JSON), `enqueue` (default true). */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  async upload(@Req() request: Request): Promise<UploadResponse> {
    if (!request.is('multipart/form-data')) {
      throw new FilesException(FilesErrorCode.NOT_MULTIPART, 'Send the file as multipart/form-data in the field "file"');
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.storage.maxUploadBytes + MULTIPART_OVERHEAD) {
      request.resume();
      throw new FilesException(FilesErrorCode.FILE_TOO_LARGE, `The upload is larger than the limit of ${this.storage.maxUploadBytes} bytes`);
    }
    const caller = this.callers.resolve(request);
    const { file, fields } = await this.receive(request, caller);
    let job: JobRecord | null;
    try {
      const upload = parseUploadFields(fields);
      job = upload.enqueue
        ? await this.jobs.enqueue({ fileId: file.id, priority: upload.priority, maxRetries: upload.maxRetries, options: upload.options }, caller)
        : null;
    } catch (error) {
      await this.storage.remove(file); // a rejected upload keeps nothing
      throw error;
    }
    return {
      file: { id: file.id, name: file.originalName, size: Number(file.size), format: file.format, checksum: file.checksum },
      job: job ? ProcessingJobModel.fromRecord(job) : null,
    };
  }

  /** Reads the whole form; the file part streams straight to storage. Rejects only after the body is consumed. */
  private receive(request: Request, caller: Caller): Promise<{ file: StoredFileRecord; fields: Map<string, string> }> {
    return new Promise((resolve, reject) => {
      const fields = new Map<string, string>();
      let stored: Promise<StoredFileRecord> | null = null;
      let parser: busboy.Busboy;
      try {
        parser = busboy({ headers: request.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
      } catch (error) {
        reject(new FilesException(FilesErrorCode.NOT_MULTIPART, (error as Error).message));
        return;
      }
      parser.on('field', (name, value) => fields.set(name, value));
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || stored) {
          stream.resume();
          return;
        }
        stored = this.storage.store(stream, info.filename ?? 'upload', caller);
        stored.catch(() => stream.resume()); // keep the form flowing after a storage error
      });
      parser.on('error', (error: Error) => reject(new FilesException(FilesErrorCode.INVALID_FIELD, `Malformed multipart body: ${error.message}`)));
      parser.on('close', () => {
        if (!stored) reject(new FilesException(FilesErrorCode.MISSING_FILE, 'The form has no file in the field "file"'));
        else stored.then((file) => resolve({ file, fields }), reject);
      });
      request.pipe(parser);
    });
  }
}
