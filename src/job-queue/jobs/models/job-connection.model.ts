import { Field, ObjectType } from '@nestjs/graphql';
import { ProcessingJobModel } from './processing-job.model';

/** Relay's PageInfo. The list pages forward only (`first`/`after`), so the previous-page fields describe `after`. */
@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field({ description: 'True when the page was asked for with `after` and some job comes before its first edge.' })
  hasPreviousPage: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first edge; null when there is none.' })
  startCursor: string | null;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

@ObjectType()
export class JobEdge {
  @Field()
  cursor: string;

  @Field(() => ProcessingJobModel)
  node: ProcessingJobModel;
}

@ObjectType()
export class JobConnection {
  @Field(() => [JobEdge])
  edges: JobEdge[];

  @Field(() => PageInfo)
  pageInfo: PageInfo;

  /**
   * Not a field: the count `totalCount` resolves to (JobConnectionResolver), started on the first call (by the jobs
   * query itself, beside the page, when it sees the field asked for) and the same promise after.
   */
  total: () => Promise<number>;
}
