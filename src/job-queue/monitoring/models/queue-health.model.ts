import { Field, Float, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum HealthStatus {
  HEALTHY = 'HEALTHY',
  DEGRADED = 'DEGRADED',
  UNHEALTHY = 'UNHEALTHY',
}

registerEnumType(HealthStatus, { name: 'HealthStatus' });

@ObjectType()
export class QueueHealth {
  @Field(() => HealthStatus)
  status: HealthStatus;

  @Field(() => [String], { description: 'One human-readable line per threshold that is crossed.' })
  issues: string[];

  @Field(() => Int)
  pendingCount: number;

  @Field(() => Int)
  processingCount: number;

  @Field(() => Int)
  failedCount: number;

  @Field(() => Int, { description: 'As in JobStats: FAILED jobs whose input was at fault.' })
  inputFailedCount: number;

  @Field(() => Int, { description: 'As in JobStats: FAILED jobs for any other reason.' })
  systemFailedCount: number;

  @Field(() => Int, { description: 'PROCESSING jobs whose lease ran out (their worker stopped renewing it).' })
  stalledCount: number;

  @Field(() => Float, { nullable: true, description: 'As in JobStats.' })
  successRate: number | null;

  @Field(() => Float, { nullable: true, description: 'As in JobStats; the success-rate thresholds apply to this one.' })
  systemSuccessRate: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'How long the longest-waiting due PENDING job has waited, in ms.',
  })
  oldestPendingAgeMs: number | null;

  @Field()
  checkedAt: Date;
}
