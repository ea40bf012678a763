import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType({ description: 'Jobs that ended in one period of jobOutcomes.' })
export class OutcomeBucket {
  @Field(() => Date, { description: 'Start of the period (the periods end now).' })
  start: Date;

  @Field(() => Int, { description: 'Jobs that reached COMPLETED in the period.' })
  completed: number;

  @Field(() => Int, { description: 'Jobs that reached FAILED in the period (retries still to come are not failures).' })
  failed: number;
}
