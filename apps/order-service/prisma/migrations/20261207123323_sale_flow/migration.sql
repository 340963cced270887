-- AlterTable
ALTER TABLE "sales" ADD COLUMN     "flow" TEXT NOT NULL DEFAULT 'events';
