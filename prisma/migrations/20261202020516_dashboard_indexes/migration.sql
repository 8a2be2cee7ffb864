-- DropIndex
DROP INDEX "payments_merchant_id_created_at_id_idx";

-- DropIndex
DROP INDEX "payments_merchant_id_phone_hash_idx";

-- CreateIndex
CREATE INDEX "payments_merchant_id_created_at_id_status_amount_idx" ON "payments"("merchant_id", "created_at", "id", "status", "amount");

-- CreateIndex
CREATE INDEX "payments_merchant_id_phone_hash_created_at_id_idx" ON "payments"("merchant_id", "phone_hash", "created_at", "id");

-- CreateIndex
CREATE INDEX "payments_merchant_id_reference_created_at_id_idx" ON "payments"("merchant_id", "reference", "created_at", "id");

-- CreateIndex
CREATE INDEX "payments_merchant_id_amount_idx" ON "payments"("merchant_id", "amount");
