import { databaseLabel } from '../support/database';
import { useDriverUnderTest } from '../support/driver-harness';
import { claimAndRunCases } from './conformance/claim-and-run.cases';
import { cleanupCases } from './conformance/cleanup.cases';
import { enqueueAndReadCases } from './conformance/enqueue-and-read.cases';
import { jobRecordsCases } from './conformance/job-records.cases';
import { jobStatisticsCases } from './conformance/job-statistics.cases';
import { providerPieceCases } from './conformance/provider-pieces.cases';
import { settleManyCases } from './conformance/settle-many.cases';

/**
 * The conformance suite of QueueDriver (src/job-queue/database/queue-driver.ts): the same cases on whichever driver
 * the run's database has (SQLite, or PostgreSQL with DATABASE_URL set), so a provider's driver is done when it
 * passes them. The cases live in ./conformance, one describe per operation: a new operation adds a describe there.
 */
describe(`QueueDriver conformance (${databaseLabel})`, () => {
  const t = useDriverUnderTest();
  enqueueAndReadCases(t);
  claimAndRunCases(t);
  settleManyCases(t);
  providerPieceCases(t);
  cleanupCases(t);
  jobRecordsCases(t);
  jobStatisticsCases(t);
});
