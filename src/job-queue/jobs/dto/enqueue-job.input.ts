import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { Transform } from 'class-transformer';
import {
  IsDate,
  IsEnum,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { GraphQLJSON } from 'graphql-scalars';
import { IsStorableDate, IsStorableJson, IsStorableText } from '../../common/validation';
import { JobPriority } from '../models/job.enums.graphql';

export const MAX_RETRIES_LIMIT = 100;

@InputType('EnqueueJobInput')
export class EnqueueJobInput {
  @Field(() => ID, { description: "Id of a file already in the service's file storage (see POST /files)." })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  @IsStorableText()
  fileId: string;

  // nullable keeps the contract's `priority: JobPriority = NORMAL`; an explicit null means NORMAL.
  @Field(() => JobPriority, { nullable: true, defaultValue: JobPriority.NORMAL })
  @Transform(({ value }: { value: unknown }) => value ?? JobPriority.NORMAL)
  @IsEnum(JobPriority)
  priority: JobPriority = JobPriority.NORMAL;

  @Field(() => Int, { nullable: true, description: "Defaults to the service's configured maximum." })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_RETRIES_LIMIT)
  maxRetries?: number;

  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  @IsStorableJson()
  options?: Record<string, unknown>;

  @Field(() => Date, { nullable: true, description: 'Do not start before this time.' })
  @IsOptional()
  @IsDate()
  @IsStorableDate()
  runAt?: Date;

  @Field(() => String, {
    nullable: true,
    description: 'A second enqueue with the same key returns the first job instead of a new one.',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  @IsStorableText()
  idempotencyKey?: string;
}
