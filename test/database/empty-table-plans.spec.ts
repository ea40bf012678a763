import { RENEW_SQL, SAVE_EXTRACTION_SQL } from '../../src/job-queue/database/postgres-queue-statements';
import { describePostgres } from '../support/database';
import {
  expectKeyedPlan,
  expectWalkInIdOrder,
  genericPlanOf,
  QUEUE_STATEMENTS,
  WALKING_STATEMENTS,
} from '../support/queue-plans';
import { type TestApp, useTestApp } from '../support/test-app';

/**
 * A queue starts on an empty table, and each queue connection keeps the plan it made for a statement the first time
 * it ran it: a plan that suits a few rows is then the plan at a million. Planned on an empty table, every statement
 * must still reach its rows by the index claim-plan.spec.ts pins on 20,000. The completion and the extraction's save
 * did not: they walked job_states_lease_idx, in lease order (the completion then locked in that order).
 */
describePostgres("The queue statements' plans on an empty table (PostgreSQL)", () => {
  let service: TestApp;
  useTestApp({ queue: { workersEnabled: false } }, (started) => (service = started.service));

  it.each(QUEUE_STATEMENTS)('keeps a plan for %s that reads by its index', async (_, text, index) => {
    expectKeyedPlan((await genericPlanOf(service.prisma.queuePool!, text)).nodes, index);
  });

  it.each(WALKING_STATEMENTS)('walks the input of %s in id order, each row by the primary key', async (_, text) => {
    expectWalkInIdOrder((await genericPlanOf(service.prisma.queuePool!, text)).nodes);
  });

  it("(control) would walk the running jobs' index with the status compared plainly", async () => {
    const plain = SAVE_EXTRACTION_SQL.replace("coalesce(status, '') = 'PROCESSING'", "status = 'PROCESSING'");
    expect(plain).not.toBe(SAVE_EXTRACTION_SQL);
    const { nodes } = await genericPlanOf(service.prisma.queuePool!, plain);
    expect(() => expectKeyedPlan(nodes, 'job_states_pkey')).toThrow();
    expect(nodes.map((node) => node['Index Name'])).toContain('job_states_lease_idx');
  });

  it("(control) would walk the renewal's rows in lease order with the status compared plainly", async () => {
    const plain = RENEW_SQL.replace("coalesce(job.status, '') = 'PROCESSING'", "job.status = 'PROCESSING'");
    expect(plain).not.toBe(RENEW_SQL);
    const { nodes } = await genericPlanOf(service.prisma.queuePool!, plain);
    expect(() => expectWalkInIdOrder(nodes)).toThrow();
    expect(nodes.map((node) => node['Index Name'])).toContain('job_states_lease_idx');
  });
});
