-- Re-running a finished job (POST /jobs/:id/retry): the same job back to QUEUED with a fresh
-- set of attempts. What its earlier runs ended with is kept, one entry a run, oldest first:
-- {status, attempts, error, startedAt, completedAt, rerunAt, rerunBy}.
ALTER TABLE "processing_job" ADD COLUMN "previous_runs" JSONB NOT NULL DEFAULT '[]';

-- Hand-written from here on. A re-run also takes the rows that follow the job's final state
-- back to where they were while it waited: the report PENDING, the audit row pending (0). The
-- final transition that ends the re-run writes them again.
CREATE OR REPLACE FUNCTION processing_job_report_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'QUEUED' THEN
    UPDATE report SET status = 'PENDING', error = NULL, size_bytes = NULL, row_count = NULL, completed_at = NULL
     WHERE job_id = NEW.id AND status <> 'PENDING';
    UPDATE kpi_auditoria_export SET codigo_estado = 0, error = NULL, completed_at = NULL, updated_at = now()
     WHERE job_id = NEW.id AND codigo_estado <> 0;
    RETURN NULL;
  END IF;
  UPDATE report
     SET status = NEW.status::text::"ReportStatus",
         error = CASE WHEN NEW.status = 'COMPLETED' THEN NULL ELSE NEW.error END,
         size_bytes = CASE WHEN NEW.status = 'COMPLETED' THEN (NEW.result->>'fileSizeBytes')::bigint ELSE NULL END,
         row_count = CASE WHEN NEW.status = 'COMPLETED' THEN (NEW.result->>'recordsProcessed')::int ELSE NULL END,
         completed_at = now()
   WHERE job_id = NEW.id AND status = 'PENDING';
  UPDATE kpi_auditoria_export
     SET codigo_estado = CASE NEW.status WHEN 'COMPLETED' THEN 1 WHEN 'FAILED' THEN 2 ELSE 3 END,
         error = CASE WHEN NEW.status = 'COMPLETED' THEN NULL ELSE NEW.error END,
         completed_at = now(), updated_at = now()
   WHERE job_id = NEW.id AND codigo_estado = 0;
  RETURN NULL;
END $$;

DROP TRIGGER processing_job_report_sync ON processing_job;
CREATE TRIGGER processing_job_report_sync
  AFTER UPDATE OF status ON processing_job
  FOR EACH ROW
  WHEN ((NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
     OR (NEW.status = 'QUEUED' AND OLD.status IN ('COMPLETED', 'FAILED', 'CANCELLED')))
  EXECUTE FUNCTION processing_job_report_sync();
