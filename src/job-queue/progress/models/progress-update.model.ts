import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { JobStatus, ProcessingStage } from '../../jobs/models/job.enums.graphql';

@ObjectType('ProgressUpdate', { description: 'One step of a job: its status, stage and percentage, and bytes read.' })
export class ProgressUpdateModel {
  @Field(() => ID)
  jobId: string;

  @Field(() => JobStatus)
  status: JobStatus;

  @Field(() => Int, { description: '0 to 100; never lower than before within one attempt; 100 exactly at COMPLETED.' })
  progress: number;

  @Field(() => ProcessingStage)
  stage: ProcessingStage;

  @Field(() => Float, { nullable: true })
  bytesProcessed: number | null;

  @Field(() => Float, { nullable: true })
  totalBytes: number | null;

  @Field(() => String, { nullable: true })
  message: string | null;

  @Field()
  at: Date;
}
