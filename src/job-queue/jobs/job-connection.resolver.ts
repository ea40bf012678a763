import { UseFilters } from '@nestjs/common';
import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { JobConnection } from './models/job-connection.model';

@Resolver(() => JobConnection)
@UseFilters(JobQueueExceptionFilter)
export class JobConnectionResolver {
  /** Counted only when a query asks for it (a page that shows no total costs no count), beside the page. */
  @ResolveField(() => Int, { description: 'How many jobs match the filter, whatever the page.' })
  totalCount(@Parent() connection: JobConnection): Promise<number> {
    return connection.total();
  }
}
