-- CreateIndex
CREATE INDEX "processing_job_user_status_idx" ON "processing_job"("user_id", "status");
