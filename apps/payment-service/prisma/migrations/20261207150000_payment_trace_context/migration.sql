-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "trace_context" TEXT;
