-- AlterTable
ALTER TABLE "sales" ADD COLUMN     "created_by" TEXT,
ADD COLUMN     "idempotency_key" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "sales_created_by_idempotency_key_key" ON "sales"("created_by", "idempotency_key");
