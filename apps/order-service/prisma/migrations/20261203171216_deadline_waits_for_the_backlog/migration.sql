-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "created_offset" BIGINT,
ADD COLUMN     "created_partition" INTEGER,
ADD COLUMN     "deadline_held_until" TIMESTAMPTZ(3),
ADD COLUMN     "offered_late_at" TIMESTAMPTZ(3),
ADD COLUMN     "reserved_offset" BIGINT,
ADD COLUMN     "reserved_partition" INTEGER;
