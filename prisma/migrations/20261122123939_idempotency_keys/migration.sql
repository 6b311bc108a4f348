-- CreateTable
CREATE TABLE "idempotency_key" (
    "user_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "idempotency_key_pkey" PRIMARY KEY ("user_id","key")
);

-- CreateIndex
CREATE INDEX "idempotency_key_job_idx" ON "idempotency_key"("job_id");

-- CreateIndex
CREATE INDEX "idempotency_key_expires_idx" ON "idempotency_key"("expires_at");

-- AddForeignKey
ALTER TABLE "idempotency_key" ADD CONSTRAINT "idempotency_key_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "processing_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
