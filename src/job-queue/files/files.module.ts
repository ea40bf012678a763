import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module';
import { FileStorageService } from './file-storage.service';
import { FilesController } from './files.controller';

@Module({
  imports: [JobsModule],
  controllers: [FilesController],
  providers: [FileStorageService],
  exports: [FileStorageService],
})
export class FilesModule {}
