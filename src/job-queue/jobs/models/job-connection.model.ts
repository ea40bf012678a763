import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ProcessingJobModel } from './processing-job.model';

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

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

  @Field(() => Int)
  totalCount: number;
}
