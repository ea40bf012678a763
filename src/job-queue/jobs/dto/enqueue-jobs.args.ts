import { ArgsType, Field } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, ValidateNested } from 'class-validator';
import { EnqueueJobInput } from './enqueue-job.input';

export const MAX_BULK_ENQUEUE = 1000;

@ArgsType()
export class EnqueueJobsArgs {
  @Field(() => [EnqueueJobInput])
  @IsArray()
  @ArrayMaxSize(MAX_BULK_ENQUEUE)
  @ValidateNested({ each: true })
  @Type(() => EnqueueJobInput)
  inputs: EnqueueJobInput[];
}
