-- The W3C trace context of the span that enqueued a job, so that the worker's job.process span, on whichever
-- instance claims it, links to the request that created it. Null when nothing was being traced. Adding a nullable
-- column rewrites nothing.

-- AlterTable
ALTER TABLE "processing_jobs" ADD COLUMN     "trace_context" TEXT;
