import type { SqlObject } from '../../db/sql-objects.js'

// An export's audit row follows its job's final state, whatever ends the job (its processor, a
// cancel while queued, the lease rescuer), in the same transaction as the job's transition:
// codigo_estado 1 completed, 2 failed, 3 cancelled; back to 0 (pending) when the job is re-run.
export const auditSyncTrigger: SqlObject = {
  name: 'processing_job_kpi_audit_sync',
  sql: `
CREATE OR REPLACE FUNCTION processing_job_kpi_audit_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'QUEUED' THEN
    UPDATE kpi_auditoria_export SET codigo_estado = 0, error = NULL, completed_at = NULL, updated_at = now()
     WHERE job_id = NEW.id AND codigo_estado <> 0;
    RETURN NULL;
  END IF;
  UPDATE kpi_auditoria_export
     SET codigo_estado = CASE NEW.status WHEN 'COMPLETED' THEN 1 WHEN 'FAILED' THEN 2 ELSE 3 END,
         error = CASE WHEN NEW.status = 'COMPLETED' THEN NULL ELSE NEW.error END,
         completed_at = now(), updated_at = now()
   WHERE job_id = NEW.id AND codigo_estado = 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER processing_job_kpi_audit_sync
  AFTER UPDATE OF status ON processing_job
  FOR EACH ROW
  WHEN (NEW.type = 'kpi-export' AND (
        (NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
     OR (NEW.status = 'QUEUED' AND OLD.status IN ('COMPLETED', 'FAILED', 'CANCELLED'))))
  EXECUTE FUNCTION processing_job_kpi_audit_sync()`,
}
