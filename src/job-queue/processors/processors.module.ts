import { Module } from '@nestjs/common';
import { TextProcessor } from './text.processor';

/** The processors that ship with the library; a host adds its own anywhere in its app. */
@Module({
  providers: [TextProcessor],
})
export class BuiltInProcessorsModule {}
