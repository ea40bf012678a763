-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "stored_files" (
    "id" TEXT NOT NULL,
    "original_name" TEXT NOT NULL,
    "size" BIGINT NOT NULL,
    "format" TEXT NOT NULL,
    "mime_type" TEXT,
    "checksum" TEXT NOT NULL,
    "storage_path" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "user_id" TEXT,

    CONSTRAINT "stored_files_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processing_jobs" (
    "id" TEXT NOT NULL,
    "file_id" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_size" BIGINT NOT NULL,
    "format" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "stage" TEXT NOT NULL DEFAULT 'QUEUED',
    "progress" INTEGER NOT NULL DEFAULT 0,
    "bytes_processed" BIGINT,
    "priority" INTEGER NOT NULL DEFAULT 2,
    "options" JSONB,
    "result" JSONB,
    "metadata" JSONB,
    "extracted_text" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "error_recoverable" BOOLEAN NOT NULL DEFAULT true,
    "attempt_count" INTEGER NOT NULL DEFAULT 0,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "max_retries" INTEGER NOT NULL DEFAULT 3,
    "last_retry_at" TIMESTAMPTZ(3),
    "next_retry_at" TIMESTAMPTZ(3),
    "run_at" TIMESTAMPTZ(3),
    "available_at" TIMESTAMPTZ(3) NOT NULL,
    "idempotency_key" TEXT,
    "next_attempt_manual" BOOLEAN NOT NULL DEFAULT false,
    "lease_owner" TEXT,
    "lease_expires_at" TIMESTAMPTZ(3),
    "estimated_duration" INTEGER,
    "actual_duration" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "user_id" TEXT,

    CONSTRAINT "processing_jobs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "job_attempts" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "worker_id" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" TEXT,
    "error_code" TEXT,
    "error_message" TEXT,
    "manual" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "job_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stored_files_created_at_idx" ON "stored_files"("created_at");

-- CreateIndex
CREATE UNIQUE INDEX "processing_jobs_idempotency_key_key" ON "processing_jobs"("idempotency_key");

-- CreateIndex
CREATE INDEX "processing_jobs_created_at_id_idx" ON "processing_jobs"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "processing_jobs_status_created_at_idx" ON "processing_jobs"("status", "created_at");

-- CreateIndex
CREATE INDEX "processing_jobs_status_format_priority_idx" ON "processing_jobs"("status", "format", "priority");

-- CreateIndex
CREATE INDEX "processing_jobs_status_available_at_idx" ON "processing_jobs"("status", "available_at");

-- CreateIndex
CREATE INDEX "processing_jobs_status_lease_expires_at_idx" ON "processing_jobs"("status", "lease_expires_at");

-- CreateIndex
CREATE INDEX "processing_jobs_status_completed_at_idx" ON "processing_jobs"("status", "completed_at");

-- CreateIndex
CREATE INDEX "processing_jobs_file_id_idx" ON "processing_jobs"("file_id");

-- CreateIndex
CREATE INDEX "processing_jobs_user_id_created_at_idx" ON "processing_jobs"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "job_attempts_error_code_finished_at_idx" ON "job_attempts"("error_code", "finished_at");

-- CreateIndex
CREATE UNIQUE INDEX "job_attempts_job_id_number_key" ON "job_attempts"("job_id", "number");

-- AddForeignKey
ALTER TABLE "processing_jobs" ADD CONSTRAINT "processing_jobs_file_id_fkey" FOREIGN KEY ("file_id") REFERENCES "stored_files"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_attempts" ADD CONSTRAINT "job_attempts_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "processing_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written (Prisma 6 cannot express partial indexes): the claim query walks this index in order,
-- highest priority first and oldest first within a priority, over claimable jobs only.
CREATE INDEX "processing_jobs_claim_idx" ON "processing_jobs"("priority" DESC, "created_at", "id") WHERE "status" IN ('PENDING', 'RETRYING');
