-- AlterTable
ALTER TABLE "processing_job" ADD COLUMN     "timeout_ms" INTEGER NOT NULL DEFAULT 3600000;
