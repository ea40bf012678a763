import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('JobAttempt', { description: 'One attempt at running a job.' })
export class JobAttemptModel {
  @Field(() => Int)
  number: number;

  @Field()
  startedAt: Date;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;

  @Field(() => String, {
    nullable: true,
    description: 'COMPLETED, FAILED, CANCELLED or INTERRUPTED; null while running.',
  })
  outcome: string | null;

  @Field(() => String, { nullable: true })
  errorCode: string | null;

  @Field(() => String, { nullable: true })
  errorMessage: string | null;

  @Field(() => String, { nullable: true })
  workerId: string | null;

  @Field({ description: 'Started by a manual retryJob rather than by the retry policy.' })
  manual: boolean;
}
