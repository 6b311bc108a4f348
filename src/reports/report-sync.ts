import type { SqlObject } from '../db/sql-objects.js'

// A report row follows its job's final state, whatever ends the job (its processor, a cancel
// while queued, the lease rescuer): written by this trigger in the same transaction as the
// job's own transition. A re-run (the job back to QUEUED) takes the row back to PENDING; the
// transition that ends the re-run writes it again.
export const reportSyncTrigger: SqlObject = {
  name: 'processing_job_report_sync',
  sql: `
CREATE OR REPLACE FUNCTION processing_job_report_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'QUEUED' THEN
    UPDATE report SET status = 'PENDING', error = NULL, size_bytes = NULL, row_count = NULL, completed_at = NULL
     WHERE job_id = NEW.id AND status <> 'PENDING';
    RETURN NULL;
  END IF;
  UPDATE report
     SET status = NEW.status::text::"ReportStatus",
         error = CASE WHEN NEW.status = 'COMPLETED' THEN NULL ELSE NEW.error END,
         size_bytes = CASE WHEN NEW.status = 'COMPLETED' THEN (NEW.result->>'fileSizeBytes')::bigint ELSE NULL END,
         row_count = CASE WHEN NEW.status = 'COMPLETED' THEN (NEW.result->>'recordsProcessed')::int ELSE NULL END,
         completed_at = now()
   WHERE job_id = NEW.id AND status = 'PENDING';
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER processing_job_report_sync
  AFTER UPDATE OF status ON processing_job
  FOR EACH ROW
  WHEN ((NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
     OR (NEW.status = 'QUEUED' AND OLD.status IN ('COMPLETED', 'FAILED', 'CANCELLED')))
  EXECUTE FUNCTION processing_job_report_sync()`,
}
