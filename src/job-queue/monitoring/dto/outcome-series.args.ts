import { ArgsType, Field, Int } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';

/** At most a week back (the default retention: older jobs are gone) in periods of a minute to a day. */
export const OUTCOME_SERIES_LIMITS = { maxHours: 24 * 7, maxBucketMinutes: 24 * 60, maxBuckets: 500 } as const;

@ArgsType()
export class OutcomeSeriesArgs {
  @Field(() => Int, { defaultValue: 24, description: 'How far back, 1 to 168 hours.' })
  @IsInt()
  @Min(1)
  @Max(OUTCOME_SERIES_LIMITS.maxHours)
  hours: number = 24;

  @Field(() => Int, {
    defaultValue: 60,
    description: 'Length of one period, 1 to 1440 minutes; at most 500 periods in all.',
  })
  @IsInt()
  @Min(1)
  @Max(OUTCOME_SERIES_LIMITS.maxBucketMinutes)
  bucketMinutes: number = 60;
}
