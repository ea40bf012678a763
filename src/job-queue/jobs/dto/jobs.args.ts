import { ArgsType, Field, Int } from '@nestjs/graphql';
import { Transform, Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, ValidateNested } from 'class-validator';
import { JobFilterInput } from './job-filter.input';

export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class JobsArgs {
  @Field(() => JobFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobFilterInput)
  filter?: JobFilterInput;

  // nullable keeps the contract's `first: Int = 20`; an explicit null means the default too.
  @Field(() => Int, { nullable: true, defaultValue: 20, description: `Page size, 0 to ${MAX_PAGE_SIZE}.` })
  @Transform(({ value }: { value: unknown }) => value ?? 20)
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page.' })
  @IsOptional()
  @IsString()
  after?: string;
}
