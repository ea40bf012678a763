import { Field, InputType } from '@nestjs/graphql';
import { IsArray, IsDate, IsEnum, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsStorableDate, IsStorableText } from '../../common/validation';
import { JobPriority, JobStatus } from '../models/job.enums.graphql';

@InputType('JobFilter')
export class JobFilterInput {
  @Field(() => [JobStatus], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsEnum(JobStatus, { each: true })
  status?: JobStatus[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  @IsStorableText({ each: true })
  format?: string[];

  @Field(() => [JobPriority], { nullable: true })
  @IsOptional()
  @IsArray()
  @IsEnum(JobPriority, { each: true })
  priority?: JobPriority[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @IsStorableText()
  userId?: string;

  @Field(() => Date, { nullable: true })
  @IsOptional()
  @IsDate()
  @IsStorableDate()
  createdAfter?: Date;

  @Field(() => Date, { nullable: true })
  @IsOptional()
  @IsDate()
  @IsStorableDate()
  createdBefore?: Date;
}
