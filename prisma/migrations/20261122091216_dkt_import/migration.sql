-- CreateEnum
CREATE TYPE "Moneda" AS ENUM ('ARS', 'USD');

-- CreateTable
CREATE TABLE "lote" (
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

    CONSTRAINT "lote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resumen_tarjeta" (
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

-- CreateIndex
CREATE UNIQUE INDEX "lote_job_id_key" ON "lote"("job_id");

-- CreateIndex
CREATE INDEX "lote_user_created_idx" ON "lote"("user_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "lote_user_sha256_idx" ON "lote"("user_id", "file_sha256");

-- CreateIndex
CREATE INDEX "resumen_tarjeta_lote_fecha_idx" ON "resumen_tarjeta"("lote_id", "fecha");

-- AddForeignKey
ALTER TABLE "resumen_tarjeta" ADD CONSTRAINT "resumen_tarjeta_lote_id_fkey" FOREIGN KEY ("lote_id") REFERENCES "lote"("id") ON DELETE CASCADE ON UPDATE CASCADE;
