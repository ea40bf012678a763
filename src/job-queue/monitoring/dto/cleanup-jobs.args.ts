import { ArgsType, Field, Int } from '@nestjs/graphql';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

@ArgsType()
export class CleanupJobsArgs {
  @Field(() => Int, { nullable: true, description: 'Defaults to the configured retention (JOB_RETENTION_HOURS).' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(24 * 365 * 10)
  olderThanHours?: number;
}
