import type { Readable } from 'node:stream';
import { HttpException, HttpStatus } from '@nestjs/common';
import busboy from 'busboy';
import type { Request } from 'express';
import type { StoredFileRecord } from '../common/job-record';
import { FilesErrorCode, FilesException } from './files.exception';

/** Limits of the form around the file (the file itself is bounded by maxUploadBytes). */
export const FORM_LIMITS = { files: 1, fields: 20, fieldBytes: 64 * 1024 } as const;

/**
 * What a body must deliver within each idle timeout to count as arriving: at the 30 s default, about 34 bytes a
 * second. A dribble of a byte every few seconds is never silent for a whole window, so silence alone would not do.
 */
export const MIN_PROGRESS_BYTES = 1024;

export interface ReceivedForm {
  file: StoredFileRecord;
  fields: Map<string, string>;
}

/** Where the file part goes, and how a stored file is taken back when the form turns out to be rejected. */
export interface FormStorage {
  store(source: Readable, clientName: string, declaredType: string): Promise<StoredFileRecord>;
  remove(file: StoredFileRecord): Promise<void>;
}

/**
 * Reads a POST /files form: the file part streams to storage, the fields are collected. Resolves once the body has
 * ended and the file is stored; otherwise rejects only after whatever was stored is removed again. A form that
 * breaks a limit is still read to its end (a client still sending would not see an earlier answer), except when
 * the client is gone or stalls: then reading stops at once.
 */
export function receiveForm(request: Request, storage: FormStorage, idleTimeoutMs: number): Promise<ReceivedForm> {
  return new FormReception(request, storage, idleTimeoutMs).received;
}

const invalid = (message: string) => new FilesException(FilesErrorCode.INVALID_FIELD, message);

class FormReception {
  readonly received: Promise<ReceivedForm>;
  private resolve!: (form: ReceivedForm) => void;
  private reject!: (error: unknown) => void;
  private readonly fields = new Map<string, string>();
  private stored: Promise<StoredFileRecord> | null = null;
  /** The first thing wrong with the form; the answer once the body has ended. */
  private problem: Error | null = null;
  /** A field sent twice (one value would be dropped); answered unless the form breaks a limit too. */
  private repeated: string | null = null;
  private settled = false;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly request: Request,
    private readonly storage: FormStorage,
    private readonly idleTimeoutMs: number,
  ) {
    this.received = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    let parser: busboy.Busboy;
    try {
      // defParamCharset: browsers and curl send a UTF-8 filename as raw bytes; busboy would read them as Latin-1.
      parser = busboy({
        headers: request.headers,
        defParamCharset: 'utf8',
        // busboy flags a field that reaches fieldSize as truncated, so one byte more lets exactly fieldBytes through.
        limits: { files: FORM_LIMITS.files, fields: FORM_LIMITS.fields, fieldSize: FORM_LIMITS.fieldBytes + 1 },
      });
    } catch (error) {
      void this.settle(new FilesException(FilesErrorCode.NOT_MULTIPART, (error as Error).message));
      return;
    }
    this.listen(parser);
    request.on('close', () => {
      // 499 (nginx's "client closed request"): nobody reads this answer, and it is no server error to log.
      if (!request.complete)
        this.abandon(parser, new HttpException('The client closed the connection before the upload ended', 499));
    });
    this.watchProgress(parser);
    request.pipe(parser);
  }

  private listen(parser: busboy.Busboy): void {
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated)
        this.noteProblem(invalid(`The field "${name}" is longer than the limit of ${FORM_LIMITS.fieldBytes} bytes`));
      else if (this.fields.has(name)) this.repeated ??= name;
      else this.fields.set(name, value);
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || this.problem) {
        stream.resume();
        return;
      }
      this.stored = this.storage.store(stream, info.filename ?? 'upload', info.mimeType);
      this.stored.catch(() => stream.resume()); // keep the form flowing after a storage error
    });
    parser.on('filesLimit', () =>
      this.noteProblem(invalid(`Only one file can be sent, in the field "file" (limit: ${FORM_LIMITS.files} file)`)),
    );
    parser.on('fieldsLimit', () =>
      this.noteProblem(
        invalid(`The form has more than ${FORM_LIMITS.fields} fields (limit: ${FORM_LIMITS.fields} fields)`),
      ),
    );
    parser.on('error', (error: Error) => {
      this.noteProblem(invalid(`Malformed multipart body: ${error.message}`));
      // The parser is done for; the rest of the body is read and dropped before the answer.
      this.request.unpipe(parser);
      if (this.request.complete) void this.settle(this.problem);
      else this.request.once('end', () => void this.settle(this.problem)).resume();
    });
    parser.on('close', () => {
      if (this.repeated) this.noteProblem(invalid(`The field "${this.repeated}" is sent more than once`));
      void this.settle(this.problem);
    });
  }

  /** Records the form's first problem; the answer waits for the end of the body. */
  private noteProblem(problem: Error): void {
    this.problem ??= problem;
  }

  /**
   * The body must deliver MIN_PROGRESS_BYTES within every idle timeout, or the upload is cut with 408 and the
   * connection closed. While the request is paused because storage is slower than the client, the client is not
   * the one stalling, and the clock waits.
   */
  private watchProgress(parser: busboy.Busboy): void {
    let progress = 0;
    this.idleTimer = setTimeout(() => {
      if (this.request.readableFlowing === false && !this.request.destroyed) {
        this.idleTimer?.refresh();
        return;
      }
      this.request.res?.setHeader('Connection', 'close');
      const message = `The upload stalled: less than ${MIN_PROGRESS_BYTES} bytes of the body arrived in ${this.idleTimeoutMs} ms`;
      this.abandon(
        parser,
        new HttpException(
          { statusCode: HttpStatus.REQUEST_TIMEOUT, code: 'REQUEST_TIMEOUT', message },
          HttpStatus.REQUEST_TIMEOUT,
        ),
      );
    }, this.idleTimeoutMs);
    this.request.on('data', (chunk: Buffer) => {
      progress += chunk.length;
      if (progress < MIN_PROGRESS_BYTES) return;
      progress = 0;
      this.idleTimer?.refresh();
    });
    this.request.once('end', () => this.stopWatching());
  }

  private stopWatching(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  /** The client is gone or stalled: stop reading now; destroying the parser ends the file part, whose partial file storage removes. */
  private abandon(parser: busboy.Busboy, error: Error): void {
    if (this.settled) return;
    this.request.unpipe(parser);
    parser.destroy(error);
    void this.settle(error);
  }

  /** Answers once: with the form, or with `error` after the stored file (if any) is removed. */
  private async settle(error: Error | null): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.stopWatching();
    let failure: unknown = error;
    const file = this.stored
      ? await this.stored.catch((storeError: unknown) => {
          failure ??= storeError;
          return null;
        })
      : null;
    if (!failure && !file)
      failure = new FilesException(FilesErrorCode.MISSING_FILE, 'The form has no file in the field "file"');
    if (!failure) {
      this.resolve({ file: file!, fields: this.fields });
      return;
    }
    if (file) await this.storage.remove(file);
    this.reject(failure);
  }
}
