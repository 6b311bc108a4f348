-- kpi-export's tables: the daily KPI snapshots it exports and the audit row of each export.
-- Written IF NOT EXISTS: databases migrated before job types owned their schemas already have
-- them, from the core's migration of 2026-11-22, and keep them as they are.

-- Daily KPI snapshots: one row per day, branch (sucursal) and indicator, in id_log order.
-- Filled by the business (or `npm run seed:kpi`).
CREATE TABLE IF NOT EXISTS "kpi_snapshot_diario" (
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
-- Export filters: a date range, optionally one branch and one indicator.
CREATE INDEX IF NOT EXISTS "kpi_snapshot_diario_fecha_idx" ON "kpi_snapshot_diario"("fecha", "sucursal", "indicador");

-- One audit row per export request, kept when jobs and files are swept (no foreign key).
-- codigo_estado: 0 pending, 1 completed, 2 failed, 3 cancelled: follows the job (trigger
-- processing_job_kpi_audit_sync, audit-sync.ts).
CREATE TABLE IF NOT EXISTS "kpi_auditoria_export" (
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
CREATE UNIQUE INDEX IF NOT EXISTS "kpi_auditoria_export_job_id_key" ON "kpi_auditoria_export"("job_id");
CREATE INDEX IF NOT EXISTS "kpi_auditoria_export_user_created_idx" ON "kpi_auditoria_export"("user_id", "created_at" DESC);
