-- CreateEnum
CREATE TYPE "ReportStatus" AS ENUM ('PENDING', 'COMPLETED', 'FAILED', 'CANCELLED');

-- CreateTable
CREATE TABLE "kpi_snapshot_diario" (
    "id_log" BIGSERIAL NOT NULL,
    "fecha" DATE NOT NULL,
    "sucursal" TEXT NOT NULL,
    "indicador" TEXT NOT NULL,
    "region" TEXT NOT NULL,
    "valor" DECIMAL(18,4) NOT NULL,
    "meta" DECIMAL(18,4) NOT NULL,
    "cumplimiento" DECIMAL(10,4) NOT NULL,
    "variacion" DECIMAL(10,4),
    "unidad" TEXT NOT NULL,
    "responsable" TEXT NOT NULL,
    "observacion" TEXT,

    CONSTRAINT "kpi_snapshot_diario_pkey" PRIMARY KEY ("id_log")
);

-- CreateTable
CREATE TABLE "report" (
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

-- CreateTable
CREATE TABLE "kpi_auditoria_export" (
    "id_export" BIGSERIAL NOT NULL,
    "user_id" TEXT NOT NULL,
    "client_ip" TEXT,
    "filters" JSONB NOT NULL,
    "format" TEXT NOT NULL,
    "codigo_estado" SMALLINT NOT NULL DEFAULT 0,
    "job_id" TEXT,
    "error" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "kpi_auditoria_export_pkey" PRIMARY KEY ("id_export")
);

-- CreateIndex
CREATE INDEX "kpi_snapshot_diario_fecha_idx" ON "kpi_snapshot_diario"("fecha", "sucursal", "indicador");

-- CreateIndex
CREATE UNIQUE INDEX "report_job_id_key" ON "report"("job_id");

-- CreateIndex
CREATE INDEX "report_user_created_idx" ON "report"("user_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "kpi_auditoria_export_job_id_key" ON "kpi_auditoria_export"("job_id");

-- CreateIndex
CREATE INDEX "kpi_auditoria_export_user_created_idx" ON "kpi_auditoria_export"("user_id", "created_at" DESC);

-- Hand-written: a report's status and its audit row follow their job's final state, whatever
-- ends the job (its processor, a cancel while queued, the lease rescuer). One place, in the
-- same transaction as the job's own transition.
CREATE FUNCTION processing_job_report_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE TRIGGER processing_job_report_sync
  AFTER UPDATE OF status ON processing_job
  FOR EACH ROW
  WHEN (NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION processing_job_report_sync();
