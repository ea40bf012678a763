-- A cancel of a running job is recorded on the job, not only sent as an event: an instance that misses the event
-- (LISTEN reconnecting, a frozen worker) sees it at its next lease renewal, and stalled recovery ends the job
-- CANCELLED instead of retrying it. Adding a nullable column rewrites nothing.

-- AlterTable
ALTER TABLE "processing_jobs" ADD COLUMN "cancel_requested_at" TIMESTAMPTZ(3);
