import { UseFilters } from '@nestjs/common';
import { Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { JobQueueExceptionFilter } from '../common/job-queue-exception.filter';
import { JobsService } from './jobs.service';
import { JobConnection } from './models/job-connection.model';

@Resolver(() => JobConnection)
@UseFilters(JobQueueExceptionFilter)
export class JobConnectionResolver {
  constructor(private readonly jobsService: JobsService) {}

  /** Counted only when a query asks for it: a page that shows no total costs no count. */
  @ResolveField(() => Int, { description: 'How many jobs match the filter, whatever the page.' })
  totalCount(@Parent() connection: JobConnection): Promise<number> {
    const { filter, caller, total } = connection.counted;
    return total ?? this.jobsService.count(filter, caller);
  }
}
