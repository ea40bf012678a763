import { Controller, HttpCode, HttpStatus, Inject, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import { CallerService } from '../access/caller.service';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { inRequestSpan } from '../common/tracing';
import type { JobRecord } from '../common/job-record';
import { JobsService } from '../jobs/jobs.service';
import { ProcessingJobModel } from '../jobs/models/processing-job.model';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { FileStorageService } from './file-storage.service';
import { FilesErrorCode, FilesException } from './files.exception';
import { parseUploadFields } from './upload-fields';
import { receiveForm } from './upload-form';

/** Multipart overhead allowed on top of maxUploadBytes before a Content-Length alone is refused. */
const MULTIPART_OVERHEAD = 64 * 1024;

const UPLOAD_SPAN_ATTRIBUTES = { 'http.request.method': 'POST', 'http.route': '/files' };

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
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {}

  /** multipart/form-data: `file`, and optional `priority`, `maxRetries`, `options` (JSON), `enqueue` (default true). */
  @Post()
  @HttpCode(HttpStatus.CREATED)
  upload(@Req() request: Request): Promise<UploadResponse> {
    // The trace of an upload: its enqueue's span is a child of this one, and the job's processing links to that.
    return inRequestSpan('POST /files', UPLOAD_SPAN_ATTRIBUTES, request.headers, async (span) => {
      const response = await this.receive(request);
      if (response.job && span.isRecording()) span.setAttribute('file_jobs.job.id', response.job.id);
      return response;
    });
  }

  private async receive(request: Request): Promise<UploadResponse> {
    if (!request.is('multipart/form-data')) {
      throw new FilesException(
        FilesErrorCode.NOT_MULTIPART,
        'Send the file as multipart/form-data in the field "file"',
      );
    }
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > this.storage.maxUploadBytes + MULTIPART_OVERHEAD) {
      request.resume();
      throw new FilesException(
        FilesErrorCode.FILE_TOO_LARGE,
        `The upload is larger than the limit of ${this.storage.maxUploadBytes} bytes`,
      );
    }
    const caller = await this.callers.resolve(request).catch((error: unknown) => {
      request.resume(); // answered without reading the body: let it drain rather than reset the client mid-upload
      throw error;
    });
    const { file, fields } = await receiveForm(
      request,
      {
        store: (source, clientName, declaredType) => this.storage.store(source, clientName, caller, declaredType),
        remove: (stored) => this.storage.remove(stored),
      },
      this.options.uploadIdleTimeoutMs,
    );
    let job: JobRecord | null;
    try {
      const upload = parseUploadFields(fields);
      job = upload.enqueue
        ? await this.jobs.enqueue(
            { fileId: file.id, priority: upload.priority, maxRetries: upload.maxRetries, options: upload.options },
            caller,
          )
        : null;
    } catch (error) {
      await this.storage.remove(file); // a rejected upload keeps nothing
      throw error;
    }
    return {
      file: {
        id: file.id,
        name: file.originalName,
        size: Number(file.size),
        format: file.format,
        checksum: file.checksum,
      },
      job: job ? ProcessingJobModel.fromRecord(job) : null,
    };
  }
}
