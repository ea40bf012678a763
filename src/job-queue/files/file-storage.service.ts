import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Caller } from '../common/caller';
import { newId } from '../common/ids';
import type { StoredFileRecord } from '../common/job-record';
import { PrismaService } from '../database/prisma.service';
import { JOB_QUEUE_OPTIONS } from '../job-queue.constants';
import type { ResolvedJobQueueOptions } from '../job-queue.options';
import { FilesErrorCode, FilesException } from './files.exception';
import { detectFormat, mediaTypeOf, sanitizeFileName, SNIFF_BYTES } from './format-detection';

const PATH_CACHE_SIZE = 10_000;
/** Waits between attempts to delete the row of a rejected upload while the database is down: about an hour in all. */
const ROW_DELETE_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, ...Array<number>(59).fill(60_000)];

/**
 * sanitizeFileName cuts at 255 UTF-16 code units, which can split a character such as an emoji in two; half of one
 * is no text (the database layer refuses it: HTTP 500), so a dangling half is dropped.
 */
const displayName = (clientName: string) => sanitizeFileName(clientName).replace(/[\uD800-\uDBFF]$/, '');

/** Streams uploads to the storage directory under generated names and records them as StoredFile rows. */
@Injectable()
export class FileStorageService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FileStorageService.name);
  readonly root: string;
  readonly maxUploadBytes: number;
  private readonly pathCache = new Map<string, string>();
  /** Lookups in flight, by file id: the jobs of one file claimed together wait for one query. */
  private readonly pathLookups = new Map<string, Promise<string | null>>();
  private readonly rowDeleteRetries = new Set<NodeJS.Timeout>();
  private closing = false;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(JOB_QUEUE_OPTIONS) private readonly options: ResolvedJobQueueOptions,
  ) {
    this.root = path.resolve(options.storageDir);
    this.maxUploadBytes = options.maxUploadBytes;
  }

  async onModuleInit(): Promise<void> {
    await mkdir(path.join(this.root, 'incoming'), { recursive: true });
  }

  /**
   * Writes the stream to disk without holding it in memory, hashing and counting as it goes. Over
   * maxUploadBytes the partial file is removed and FILE_TOO_LARGE thrown. `declaredType` is the Content-Type the
   * client gave the file, if any (see mediaTypeOf for what is recorded).
   */
  async store(source: Readable, clientName: string, caller: Caller, declaredType?: string): Promise<StoredFileRecord> {
    const id = newId();
    const incoming = path.join(this.root, 'incoming', id);
    const hash = createHash('sha256');
    let size = 0;
    let head = Buffer.alloc(0);
    const limit = this.maxUploadBytes;
    let tooLarge = false;
    // Over the limit the rest of the upload is read and dropped (not destroyed), so the client gets its 413.
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (tooLarge || size > limit) {
          tooLarge = true;
          callback();
          return;
        }
        if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(incoming));
    } catch (error) {
      await rm(incoming, { force: true });
      throw error;
    }
    if (tooLarge) {
      await rm(incoming, { force: true });
      throw new FilesException(FilesErrorCode.FILE_TOO_LARGE, `The file is larger than the limit of ${limit} bytes`);
    }
    const format = detectFormat(clientName, head);
    const storagePath = `${id}.${format}`;
    const stored = path.join(this.root, storagePath);
    // The file is in place before its row: a process that stops in between leaves a file no row names (harmless),
    // never a row without its file.
    await rename(incoming, stored);
    try {
      return await this.prisma.client.storedFile.create({
        data: {
          id,
          originalName: displayName(clientName),
          size: BigInt(size),
          format,
          mimeType: mediaTypeOf(format, declaredType),
          checksum: hash.digest('hex'),
          storagePath,
          userId: caller.userId,
          createdAt: new Date(),
        },
      });
    } catch (error) {
      await rm(stored, { force: true }); // the database is down or refused the row: the upload keeps nothing
      throw error;
    }
  }

  /**
   * Removes a stored file and its row (an upload rejected after it was stored). Never throws, so that the upload's
   * own error is the answer. The file goes at once whatever happens to the row; a row the database cannot delete
   * now (it is down: no client was given the id) is retried in the background until it can, so that neither the
   * disk nor the database keeps half an upload.
   */
  async remove(file: StoredFileRecord): Promise<void> {
    this.pathCache.delete(file.id);
    const rowDeleted = await this.deleteRow(file.id);
    await rm(this.absolutePath(file.storagePath), { force: true }).catch((error: Error) =>
      this.logger.warn(`The file of rejected upload ${file.id} could not be removed: ${error.message}`),
    );
    if (!rowDeleted) this.retryRowDelete(file.id, 0);
  }

  onApplicationShutdown(): void {
    this.closing = true;
    for (const timer of this.rowDeleteRetries) clearTimeout(timer);
    this.rowDeleteRetries.clear();
  }

  /** Deletes the row of a rejected upload unless a job uses it (a job insert that committed as its connection died). */
  private async deleteRow(id: string): Promise<boolean> {
    try {
      await this.prisma.driver.deleteUnusedFiles([id]); // as the cleanup deletes files: not while a job is inserted
      return true;
    } catch {
      return false;
    }
  }

  private retryRowDelete(id: string, attempt: number): void {
    if (this.closing || attempt >= ROW_DELETE_DELAYS_MS.length) {
      this.logger.warn(
        `The row of rejected upload ${id} could not be deleted (its file was): the database stayed unreachable`,
      );
      return;
    }
    const timer = setTimeout(() => {
      this.rowDeleteRetries.delete(timer);
      void this.deleteRow(id).then((deleted) => deleted || this.retryRowDelete(id, attempt + 1));
    }, ROW_DELETE_DELAYS_MS[attempt]);
    timer.unref();
    this.rowDeleteRetries.add(timer);
  }

  /**
   * Absolute path of a stored file's content, or null when the row or the file is gone. A stored file never moves,
   * so its path is remembered: many jobs of one file cost one query and one stat (a file removed later surfaces
   * as a read error, which is recoverable). Jobs of one file that start before the first lookup returns share it:
   * remembering only the answer, the 100 jobs of a burn-down's first claim sent 100 identical queries.
   */
  pathOfFile(fileId: string): Promise<string | null> {
    const cached = this.pathCache.get(fileId);
    if (cached) return Promise.resolve(cached);
    let lookup = this.pathLookups.get(fileId);
    if (!lookup) {
      lookup = this.lookUpPath(fileId).finally(() => this.pathLookups.delete(fileId));
      this.pathLookups.set(fileId, lookup);
    }
    return lookup;
  }

  private async lookUpPath(fileId: string): Promise<string | null> {
    // The driver's statement, not Prisma: a worker-only process then runs its jobs without Prisma's client.
    const [file] = await this.prisma.driver.findFiles([fileId], undefined);
    if (!file) return null;
    const absolute = this.absolutePath(file.storagePath);
    if (!(await stat(absolute).catch(() => null))) return null;
    if (this.pathCache.size >= PATH_CACHE_SIZE) this.pathCache.delete(this.pathCache.keys().next().value!);
    this.pathCache.set(fileId, absolute);
    return absolute;
  }

  absolutePath(storagePath: string): string {
    const absolute = path.resolve(this.root, storagePath);
    if (path.dirname(absolute) !== this.root)
      throw new Error(`Stored path escapes the storage directory: ${storagePath}`);
    return absolute;
  }
}
