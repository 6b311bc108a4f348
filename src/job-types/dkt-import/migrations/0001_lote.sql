-- dkt-import's tables: lotes (one imported file each) and their rows. Written IF NOT EXISTS:
-- databases migrated before job types owned their schemas already have them, from the core's
-- migrations of 2026-11-22, and keep them as they are, rows and all.
DO $$ BEGIN
  CREATE TYPE "Moneda" AS ENUM ('ARS', 'USD');
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- One imported DKT file: a batch of card transactions that can be reviewed and undone. Created
-- inside the import's transaction, together with its rows: visible all at once or never.
CREATE TABLE IF NOT EXISTS "lote" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_sha256" TEXT NOT NULL,
    "file_size" BIGINT NOT NULL,
    "rows_read" INTEGER NOT NULL,
    "rows_imported" INTEGER NOT NULL,
    "rows_invalid" INTEGER NOT NULL,
    "rows_duplicate" INTEGER NOT NULL,
    "date_from" DATE,
    "date_to" DATE,
    "totals" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "problem_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "lote_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX IF NOT EXISTS "lote_job_id_key" ON "lote"("job_id");
CREATE INDEX IF NOT EXISTS "lote_user_created_idx" ON "lote"("user_id", "created_at" DESC);
CREATE INDEX IF NOT EXISTS "lote_user_sha256_idx" ON "lote"("user_id", "file_sha256");

-- One card transaction of a lote; the card number stored masked (first 6 and last 4 digits).
-- No foreign key to lote: a per-row check more than doubled COPY time. Rows are written only by
-- the import, in its lote's transaction, and deleted with their lote (lote-sql.ts).
CREATE TABLE IF NOT EXISTS "resumen_tarjeta" (
    "id" BIGSERIAL NOT NULL,
    "lote_id" TEXT NOT NULL,
    "linea" INTEGER NOT NULL,
    "tarjeta" TEXT NOT NULL,
    "fecha" DATE NOT NULL,
    "comercio" TEXT NOT NULL,
    "comprobante" TEXT NOT NULL,
    "cuota_numero" INTEGER,
    "cuota_total" INTEGER,
    "importe" DECIMAL(15,2) NOT NULL,
    "moneda" "Moneda" NOT NULL,
    "titular" TEXT,
    CONSTRAINT "resumen_tarjeta_pkey" PRIMARY KEY ("id")
);
CREATE INDEX IF NOT EXISTS "resumen_tarjeta_lote_fecha_idx" ON "resumen_tarjeta"("lote_id", "fecha");

-- One active (queued or running) unforced import per user and file. Nodes of the release of
-- 2026-12-07 rely on this index; this release also sets the job's unique_key, which the core's
-- generic index checks. Dropped in the release after next (expand, then contract).
CREATE UNIQUE INDEX IF NOT EXISTS "processing_job_dkt_active_file_idx"
    ON "processing_job" ("user_id", ("parameters"->>'sha256'))
 WHERE "type" = 'dkt-import'
   AND "status" IN ('QUEUED', 'PROCESSING')
   AND ("parameters"->>'force') IS DISTINCT FROM 'true';
