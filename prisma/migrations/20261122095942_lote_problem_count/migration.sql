-- AlterTable
ALTER TABLE "lote" ADD COLUMN     "problem_count" INTEGER NOT NULL DEFAULT 0;
