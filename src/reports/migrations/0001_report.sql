-- The report table: one produced file (an export or a report) of the job types that write
-- report files (src/reports): where it is and what it holds. Its status follows its job's
-- final state (trigger processing_job_report_sync, src/reports/report-sync.ts). Written IF NOT
-- EXISTS: databases migrated before job types owned their schemas already have it, from the
-- core's migrations of 2026-11-22 and 2026-12-02, and keep it as it is.
DO $$ BEGIN
  CREATE TYPE "ReportStatus" AS ENUM ('PENDING', 'COMPLETED', 'FAILED', 'CANCELLED');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

CREATE TABLE IF NOT EXISTS "report" (
    "id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "storage_key" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "size_bytes" BIGINT,
    "row_count" INTEGER,
    "status" "ReportStatus" NOT NULL DEFAULT 'PENDING',
    "error" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "report_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "report_job_id_key" ON "report"("job_id");
CREATE INDEX IF NOT EXISTS "report_user_created_idx" ON "report"("user_id", "created_at" DESC);

-- Deleted with its job (retention).
DO $$ BEGIN
  ALTER TABLE "report" ADD CONSTRAINT "report_job_id_fkey" FOREIGN KEY ("job_id")
    REFERENCES "processing_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
