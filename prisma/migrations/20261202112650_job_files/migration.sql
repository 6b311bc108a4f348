-- CreateTable
CREATE TABLE "job_file" (
    "job_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "file_name" TEXT,
    "bytes" BIGINT,
    "download" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "job_file_pkey" PRIMARY KEY ("job_id","key")
);

-- Hand-written: a job has at most one file that GET /jobs/:id/download serves.
CREATE UNIQUE INDEX "job_file_download_idx" ON "job_file"("job_id") WHERE "download";

-- Hand-written: report rows whose job is gone (none are expected: retention deleted them
-- together) would block the foreign key below.
DELETE FROM "report" r WHERE NOT EXISTS (SELECT 1 FROM "processing_job" j WHERE j.id = r.job_id);

-- AddForeignKey
ALTER TABLE "report" ADD CONSTRAINT "report_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "processing_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_file" ADD CONSTRAINT "job_file_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "processing_job"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written backfill: the files that jobs stored before this table existed, read from where
-- each job type of that time kept them (from now on each type's files() declares them).
INSERT INTO "job_file" ("job_id", "key", "kind", "file_name", "bytes")
SELECT id, parameters->>'fileKey', 'upload', parameters->>'fileName', (parameters->>'size')::bigint
  FROM "processing_job" WHERE type = 'dkt-import' AND parameters ? 'fileKey'
ON CONFLICT DO NOTHING;
INSERT INTO "job_file" ("job_id", "key", "kind", "bytes")
SELECT id, parameters->'input'->>'key', 'input', (parameters->'input'->>'size')::bigint
  FROM "processing_job" WHERE type = 'data-report' AND status <> 'COMPLETED' AND parameters->'input' ? 'key'
ON CONFLICT DO NOTHING;
INSERT INTO "job_file" ("job_id", "key", "kind", "file_name", "bytes")
SELECT id, COALESCE(result->'problemsFile'->>'key', error->'details'->'problemsFile'->>'key'), 'problems', 'problemas-' || id || '.csv',
       COALESCE(result->'problemsFile'->>'bytes', error->'details'->'problemsFile'->>'bytes')::bigint
  FROM "processing_job" WHERE COALESCE(result->'problemsFile'->>'key', error->'details'->'problemsFile'->>'key') IS NOT NULL
ON CONFLICT DO NOTHING;
INSERT INTO "job_file" ("job_id", "key", "kind", "file_name", "bytes", "download")
SELECT job_id, storage_key, 'report', file_name, size_bytes, true FROM "report"
ON CONFLICT DO NOTHING;
