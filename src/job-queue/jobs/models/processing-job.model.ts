import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { JobRecord } from '../../common/job-record';
import { rankToPriority } from '../../common/job.enums';
import { JobPriority, JobStatus, ProcessingStage } from './job.enums.graphql';
import { JobAttemptModel } from './job-attempt.model';

@ObjectType('ProcessingJob')
export class ProcessingJobModel {
  @Field(() => ID)
  id: string;

  @Field(() => ID)
  fileId: string;

  @Field()
  fileName: string;

  @Field(() => Float, { description: 'Bytes; files larger than 2 GiB must be representable.' })
  fileSize: number;

  @Field()
  format: string;

  @Field(() => JobStatus)
  status: JobStatus;

  @Field(() => Int, { description: '0 to 100.' })
  progress: number;

  @Field(() => ProcessingStage)
  stage: ProcessingStage;

  @Field(() => Float, { nullable: true })
  bytesProcessed: number | null;

  @Field(() => JobPriority)
  priority: JobPriority;

  @Field(() => GraphQLJSON, { nullable: true })
  options: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  result: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  metadata: unknown;

  @Field(() => String, { nullable: true })
  extractedText: string | null;

  @Field(() => String, { nullable: true })
  errorCode: string | null;

  @Field(() => String, { nullable: true })
  errorMessage: string | null;

  @Field()
  errorRecoverable: boolean;

  @Field(() => Int)
  retryCount: number;

  @Field(() => Int)
  maxRetries: number;

  @Field(() => Date, { nullable: true })
  lastRetryAt: Date | null;

  @Field(() => Date, { nullable: true })
  nextRetryAt: Date | null;

  @Field(() => Date, { nullable: true })
  runAt: Date | null;

  @Field(() => Int, { nullable: true })
  estimatedDuration: number | null;

  @Field(() => Int, { nullable: true, description: 'Milliseconds from start to completion of the last attempt.' })
  actualDuration: number | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  completedAt: Date | null;

  @Field()
  updatedAt: Date;

  @Field(() => String, { nullable: true })
  userId: string | null;

  @Field(() => [JobAttemptModel])
  attempts?: JobAttemptModel[];

  /** The public view of a row: internal columns (lease, availability, idempotency key, counters) stay out. */
  /** this: void, so it can be handed around as a mapper (`jobs.map(ProcessingJobModel.fromRecord)`). */
  static fromRecord(this: void, record: JobRecord): ProcessingJobModel {
    return Object.assign(new ProcessingJobModel(), {
      id: record.id,
      fileId: record.fileId,
      fileName: record.fileName,
      fileSize: Number(record.fileSize),
      format: record.format,
      status: record.status as JobStatus,
      progress: record.progress,
      stage: record.stage as ProcessingStage,
      bytesProcessed: record.bytesProcessed === null ? null : Number(record.bytesProcessed),
      priority: rankToPriority(record.priority),
      options: record.options,
      result: record.result,
      metadata: record.metadata,
      extractedText: record.extractedText,
      errorCode: record.errorCode,
      errorMessage: record.errorMessage,
      errorRecoverable: record.errorRecoverable,
      retryCount: record.retryCount,
      maxRetries: record.maxRetries,
      lastRetryAt: record.lastRetryAt,
      nextRetryAt: record.nextRetryAt,
      runAt: record.runAt,
      estimatedDuration: record.estimatedDuration,
      actualDuration: record.actualDuration,
      createdAt: record.createdAt,
      startedAt: record.startedAt,
      completedAt: record.completedAt,
      updatedAt: record.updatedAt,
      userId: record.userId,
    });
  }
}
