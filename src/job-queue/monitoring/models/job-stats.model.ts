import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { JobPriority, JobStatus } from '../../jobs/models/job.enums.graphql';

@ObjectType()
export class StatusCount {
  @Field(() => JobStatus)
  status: JobStatus;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class FormatCount {
  @Field()
  format: string;

  @Field(() => Int)
  count: number;
}

@ObjectType()
export class PriorityCount {
  @Field(() => JobPriority)
  priority: JobPriority;

  @Field(() => Int)
  count: number;
}

@ObjectType({ description: 'Failed attempts with one error code.' })
export class ErrorStat {
  @Field()
  code: string;

  @Field(() => Int, { description: 'Failed attempts (not jobs) with this code, while their jobs are kept.' })
  count: number;

  @Field(() => Date, { nullable: true, description: 'When the latest of them ended.' })
  lastSeenAt: Date | null;
}

@ObjectType()
export class Throughput {
  @Field(() => Int, { description: 'Jobs that reached COMPLETED in the window.' })
  lastHour: number;

  @Field(() => Int)
  last24Hours: number;

  @Field(() => Int)
  last7Days: number;
}

@ObjectType({ description: 'Counts cover the jobs in the table (cleanup removes old terminal jobs).' })
export class JobStats {
  @Field(() => Int)
  total: number;

  @Field(() => [StatusCount], { description: 'Every status, zeros included.' })
  byStatus: StatusCount[];

  @Field(() => [FormatCount], { description: 'Formats with at least one job, most jobs first.' })
  byFormat: FormatCount[];

  @Field(() => [PriorityCount], { description: 'Every priority, zeros included, HIGH first.' })
  byPriority: PriorityCount[];

  @Field(() => Float, {
    nullable: true,
    description: 'COMPLETED / (COMPLETED + FAILED), 0 to 1; null when neither has happened.',
  })
  successRate: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      'COMPLETED / (COMPLETED + system failures): the success rate without the jobs that failed on their input; health judges this one. Null when neither has happened.',
  })
  systemSuccessRate: number | null;

  @Field(() => Int, {
    description:
      'FAILED jobs whose input was at fault (MALFORMED_FILE, INVALID_FILE, UNSUPPORTED_FORMAT, FILE_TOO_LARGE, PASSWORD_PROTECTED).',
  })
  inputFailedCount: number;

  @Field(() => Int, { description: 'FAILED jobs for any other reason (I/O, timeouts, stalls, unexpected errors).' })
  systemFailedCount: number;

  @Field(() => Float, {
    nullable: true,
    description: 'Mean startedAt → completedAt of jobs completed in the last 24 hours, in ms.',
  })
  averageProcessingTimeMs: number | null;

  @Field(() => Float, {
    nullable: true,
    description: 'Mean createdAt → startedAt of jobs completed in the last 24 hours, in ms.',
  })
  averageQueueTimeMs: number | null;

  @Field(() => Throughput)
  throughput: Throughput;

  @Field(() => [ErrorStat])
  errors: ErrorStat[];
}
