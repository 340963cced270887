-- AlterTable
ALTER TABLE "shipments" ADD COLUMN     "cancelled_at" TIMESTAMPTZ(3),
ADD COLUMN     "status" TEXT NOT NULL DEFAULT 'CREATED',
ALTER COLUMN "tracking_number" DROP NOT NULL;
