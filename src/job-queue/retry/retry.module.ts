import { Module } from '@nestjs/common';
import { RETRY_RANDOM_SOURCE, RetryService } from './retry.service';

@Module({
  providers: [RetryService, { provide: RETRY_RANDOM_SOURCE, useValue: Math.random }],
  exports: [RetryService],
})
export class RetryModule {}
