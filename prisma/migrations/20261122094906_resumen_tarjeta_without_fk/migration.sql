-- DropForeignKey
ALTER TABLE "resumen_tarjeta" DROP CONSTRAINT "resumen_tarjeta_lote_id_fkey";
