-- CreateEnum
CREATE TYPE "NotificationKind" AS ENUM ('ACCEPTED', 'REJECTED', 'PAID', 'FAILED', 'SHIPPED', 'CANCELLED');

-- CreateTable
CREATE TABLE "notifications" (
    "id" BIGSERIAL NOT NULL,
    "order_id" TEXT NOT NULL,
    "kind" "NotificationKind" NOT NULL,
    "user_id" TEXT NOT NULL,
    "sale_id" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "notifications_user_id_id_idx" ON "notifications"("user_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_order_id_kind_key" ON "notifications"("order_id", "kind");
