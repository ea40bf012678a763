import { Module } from '@nestjs/common';
import { FileStorageService } from './file-storage.service';

/** Stored files, without the upload endpoint: what a worker needs (FilesModule adds POST /files on top). */
@Module({
  providers: [FileStorageService],
  exports: [FileStorageService],
})
export class FileStorageModule {}
