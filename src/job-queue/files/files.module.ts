import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { FileStorageModule } from './file-storage.module';
import { FilesController } from './files.controller';

@Module({
  imports: [JobsModule, FileStorageModule],
  controllers: [FilesController],
  exports: [FileStorageModule],
})
export class FilesModule {}
