-- CreateEnum
CREATE TYPE "reservation_status" AS ENUM ('RESERVED', 'RELEASED', 'REJECTED');

-- CreateEnum
CREATE TYPE "inventory_log_kind" AS ENUM ('RESERVE', 'RELEASE', 'REJECT');

-- CreateTable
CREATE TABLE "reservations" (
    "order_id" TEXT NOT NULL,
    "reservation_id" UUID NOT NULL,
    "sale_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "status" "reservation_status" NOT NULL,
    "idempotency_key" TEXT,
    "reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reservations_pkey" PRIMARY KEY ("order_id")
);

-- CreateTable
CREATE TABLE "inventory_log" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "sale_id" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,
    "kind" "inventory_log_kind" NOT NULL,
    "event_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "inventory_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "reservations_reservation_id_key" ON "reservations"("reservation_id");

-- CreateIndex
CREATE INDEX "reservations_sale_id_status_idx" ON "reservations"("sale_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "reservations_sale_id_user_id_idempotency_key_key" ON "reservations"("sale_id", "user_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "inventory_log_event_id_key" ON "inventory_log"("event_id");

-- CreateIndex
CREATE INDEX "inventory_log_order_id_idx" ON "inventory_log"("order_id");

-- CreateIndex
CREATE INDEX "inventory_log_sale_id_idx" ON "inventory_log"("sale_id");
