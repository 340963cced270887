-- CreateEnum
CREATE TYPE "provider_charge_status" AS ENUM ('SUCCEEDED', 'DECLINED', 'REFUNDED');

-- AlterEnum
ALTER TYPE "payment_status" ADD VALUE 'PENDING';

-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "lease_until" TIMESTAMPTZ(3),
ALTER COLUMN "attempts" SET DEFAULT 0;

-- CreateTable
CREATE TABLE "provider_charges" (
    "idempotency_key" TEXT NOT NULL,
    "charge_id" UUID NOT NULL,
    "amount_cents" INTEGER NOT NULL,
    "status" "provider_charge_status" NOT NULL,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "refunded_at" TIMESTAMPTZ(3),

    CONSTRAINT "provider_charges_pkey" PRIMARY KEY ("idempotency_key")
);

-- CreateIndex
CREATE UNIQUE INDEX "provider_charges_charge_id_key" ON "provider_charges"("charge_id");

-- CreateIndex
CREATE INDEX "payments_status_created_at_idx" ON "payments"("status", "created_at");
