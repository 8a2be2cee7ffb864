/*
  Warnings:

  - A unique constraint covering the columns `[kind,payout_id]` on the table `review_items` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[kind,reversal_id]` on the table `review_items` will be added. If there are existing duplicate values, this will fail.
  - A unique constraint covering the columns `[kind,mpesa_record_id]` on the table `review_items` will be added. If there are existing duplicate values, this will fail.

*/
-- CreateEnum
CREATE TYPE "ReceiptSource" AS ENUM ('callback', 'pull', 'statement');

-- CreateEnum
CREATE TYPE "ReversalStatus" AS ENUM ('pending_approval', 'approved', 'rejected', 'cancelled', 'submitted', 'reversed', 'failed', 'unknown', 'needs_review');

-- CreateEnum
CREATE TYPE "MpesaRecordSource" AS ENUM ('pull', 'statement');

-- CreateEnum
CREATE TYPE "MoneyDirection" AS ENUM ('in', 'out');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "CallbackKind" ADD VALUE 'reversal_result';
ALTER TYPE "CallbackKind" ADD VALUE 'reversal_timeout';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ReviewKind" ADD VALUE 'not_in_malipo';
ALTER TYPE "ReviewKind" ADD VALUE 'not_in_mpesa';
ALTER TYPE "ReviewKind" ADD VALUE 'record_amount_mismatch';
ALTER TYPE "ReviewKind" ADD VALUE 'payout_unresolved';
ALTER TYPE "ReviewKind" ADD VALUE 'reversal_unresolved';

-- AlterTable
ALTER TABLE "c2b_transactions" ADD COLUMN     "source" "ReceiptSource" NOT NULL DEFAULT 'callback';

-- AlterTable
ALTER TABLE "mpesa_credentials" ADD COLUMN     "pull_registered_at" TIMESTAMPTZ(3),
ADD COLUMN     "pulled_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "payments" ADD COLUMN     "receipt_source" "ReceiptSource",
ADD COLUMN     "reversed_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "reconciliation_runs" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'sweep',
ADD COLUMN     "merchant_id" UUID,
ADD COLUMN     "window_end" TIMESTAMPTZ(3),
ADD COLUMN     "window_start" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "review_items" ADD COLUMN     "mpesa_record_id" UUID,
ADD COLUMN     "payout_id" UUID,
ADD COLUMN     "reversal_id" UUID;

-- CreateTable
CREATE TABLE "reversals" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "payment_id" UUID NOT NULL,
    "original_receipt" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "ReversalStatus" NOT NULL DEFAULT 'pending_approval',
    "environment" "MpesaEnvironment" NOT NULL,
    "requested_by_id" UUID,
    "requested_by_api_key_id" UUID,
    "requester_label" TEXT NOT NULL,
    "approvals_required" INTEGER NOT NULL DEFAULT 1,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "originator_conversation_id" TEXT,
    "conversation_id" TEXT,
    "receipt" TEXT,
    "result_code" TEXT,
    "result_desc" TEXT,
    "result_parameters" JSONB,
    "completed_at" TIMESTAMPTZ(3),
    "approved_at" TIMESTAMPTZ(3),
    "submitted_at" TIMESTAMPTZ(3),
    "settled_at" TIMESTAMPTZ(3),
    "status_query_count" INTEGER NOT NULL DEFAULT 0,
    "last_queried_at" TIMESTAMPTZ(3),
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reversals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reversal_approvals" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "reversal_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "user_label" TEXT NOT NULL,
    "decision" "PayoutDecision" NOT NULL,
    "note" TEXT,
    "ip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reversal_approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mpesa_records" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "environment" "MpesaEnvironment" NOT NULL,
    "receipt" TEXT NOT NULL,
    "entry" TEXT NOT NULL DEFAULT 'principal',
    "source" "MpesaRecordSource" NOT NULL,
    "confirmed_by" "MpesaRecordSource"[],
    "direction" "MoneyDirection" NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "balance_cents" BIGINT,
    "completed_at" TIMESTAMPTZ(3) NOT NULL,
    "day" DATE NOT NULL,
    "other_party" TEXT,
    "account_reference" TEXT,
    "details" TEXT,
    "transaction_type" TEXT,
    "transaction_status" TEXT,
    "linked_receipt" TEXT,
    "statement_import_id" UUID,
    "payment_id" UUID,
    "c2b_transaction_id" UUID,
    "payout_id" UUID,
    "reversal_id" UUID,
    "matched_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "mpesa_records_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "statement_imports" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_sha256" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'processing',
    "shortcode" TEXT,
    "period_start" TIMESTAMPTZ(3),
    "period_end" TIMESTAMPTZ(3),
    "rows" INTEGER NOT NULL DEFAULT 0,
    "new_records" INTEGER NOT NULL DEFAULT 0,
    "duplicate_records" INTEGER NOT NULL DEFAULT 0,
    "refused_rows" INTEGER NOT NULL DEFAULT 0,
    "summary" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,
    "imported_by_id" UUID,
    "imported_by_label" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "statement_imports_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reconciliation_days" (
    "merchant_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "figures" JSONB NOT NULL DEFAULT '{}',
    "fingerprint" TEXT,
    "open_items" INTEGER NOT NULL DEFAULT 0,
    "state" TEXT NOT NULL DEFAULT 'not_checked',
    "stale" BOOLEAN NOT NULL DEFAULT true,
    "computed_at" TIMESTAMPTZ(3),
    "signed_off_at" TIMESTAMPTZ(3),
    "signed_off_by_id" UUID,
    "signed_off_by_label" TEXT,
    "signed_off_note" TEXT,
    "signed_off_fingerprint" TEXT,
    "changed_after_sign_off_at" TIMESTAMPTZ(3),

    CONSTRAINT "reconciliation_days_pkey" PRIMARY KEY ("merchant_id","day")
);

-- CreateIndex
CREATE UNIQUE INDEX "reversals_originator_conversation_id_key" ON "reversals"("originator_conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "reversals_conversation_id_key" ON "reversals"("conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "reversals_receipt_key" ON "reversals"("receipt");

-- CreateIndex
CREATE INDEX "reversals_merchant_id_status_created_at_idx" ON "reversals"("merchant_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "reversals_payment_id_idx" ON "reversals"("payment_id");

-- CreateIndex
CREATE INDEX "reversals_status_submitted_at_idx" ON "reversals"("status", "submitted_at");

-- CreateIndex
CREATE UNIQUE INDEX "reversals_merchant_id_idempotency_key_key" ON "reversals"("merchant_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "reversal_approvals_merchant_id_created_at_idx" ON "reversal_approvals"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "reversal_approvals_reversal_id_user_id_key" ON "reversal_approvals"("reversal_id", "user_id");

-- CreateIndex
CREATE INDEX "mpesa_records_merchant_id_day_idx" ON "mpesa_records"("merchant_id", "day");

-- CreateIndex
CREATE INDEX "mpesa_records_merchant_id_completed_at_idx" ON "mpesa_records"("merchant_id", "completed_at");

-- CreateIndex
CREATE UNIQUE INDEX "mpesa_records_merchant_id_receipt_entry_key" ON "mpesa_records"("merchant_id", "receipt", "entry");

-- CreateIndex
CREATE INDEX "statement_imports_merchant_id_created_at_idx" ON "statement_imports"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "statement_imports_merchant_id_file_sha256_idx" ON "statement_imports"("merchant_id", "file_sha256");

-- CreateIndex
CREATE INDEX "reconciliation_days_merchant_id_stale_idx" ON "reconciliation_days"("merchant_id", "stale");

-- CreateIndex
CREATE INDEX "payments_merchant_id_status_receipt_idx" ON "payments"("merchant_id", "status", "receipt");

-- CreateIndex
CREATE INDEX "reconciliation_runs_merchant_id_kind_started_at_idx" ON "reconciliation_runs"("merchant_id", "kind", "started_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "review_items_kind_payout_id_key" ON "review_items"("kind", "payout_id");

-- CreateIndex
CREATE UNIQUE INDEX "review_items_kind_reversal_id_key" ON "review_items"("kind", "reversal_id");

-- CreateIndex
CREATE UNIQUE INDEX "review_items_kind_mpesa_record_id_key" ON "review_items"("kind", "mpesa_record_id");

-- AddForeignKey
ALTER TABLE "reversals" ADD CONSTRAINT "reversals_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reversals" ADD CONSTRAINT "reversals_payment_id_fkey" FOREIGN KEY ("payment_id") REFERENCES "payments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reversal_approvals" ADD CONSTRAINT "reversal_approvals_reversal_id_fkey" FOREIGN KEY ("reversal_id") REFERENCES "reversals"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Reconciliation days are a maintained rollup: any change to a row that counts toward a past
-- Kenyan day marks that day stale, and lib/payments/reconciliation recomputes it on the next read
-- (today is always recomputed, so it is not marked). Each trigger names the timestamp columns that
-- place its rows in a day.
CREATE FUNCTION malipo_mark_day_stale(merchant uuid, ts timestamptz) RETURNS void AS $$
DECLARE
  d date;
BEGIN
  IF merchant IS NULL OR ts IS NULL THEN
    RETURN;
  END IF;
  d := (ts AT TIME ZONE 'Africa/Nairobi')::date;
  IF d >= (now() AT TIME ZONE 'Africa/Nairobi')::date THEN
    RETURN;
  END IF;
  INSERT INTO reconciliation_days (merchant_id, day, stale) VALUES (merchant, d, true)
  ON CONFLICT (merchant_id, day) DO UPDATE SET stale = true WHERE NOT reconciliation_days.stale;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION malipo_reconciliation_day_changed() RETURNS trigger AS $$
DECLARE
  r jsonb;
  col text;
BEGIN
  FOREACH r IN ARRAY ARRAY[
    CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
    CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END
  ] LOOP
    CONTINUE WHEN r IS NULL;
    FOREACH col IN ARRAY TG_ARGV LOOP
      PERFORM malipo_mark_day_stale((r ->> 'merchant_id')::uuid, (r ->> col)::timestamptz);
    END LOOP;
  END LOOP;
  RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_reconciliation_day AFTER INSERT OR UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION malipo_reconciliation_day_changed('created_at', 'settled_at', 'reversed_at');
CREATE TRIGGER payouts_reconciliation_day AFTER INSERT OR UPDATE OR DELETE ON payouts
  FOR EACH ROW EXECUTE FUNCTION malipo_reconciliation_day_changed('created_at', 'settled_at', 'completed_at');
CREATE TRIGGER reversals_reconciliation_day AFTER INSERT OR UPDATE OR DELETE ON reversals
  FOR EACH ROW EXECUTE FUNCTION malipo_reconciliation_day_changed('created_at', 'settled_at', 'completed_at');
CREATE TRIGGER c2b_transactions_reconciliation_day AFTER INSERT OR UPDATE OR DELETE ON c2b_transactions
  FOR EACH ROW EXECUTE FUNCTION malipo_reconciliation_day_changed('created_at');
CREATE TRIGGER review_items_reconciliation_day AFTER INSERT OR UPDATE OR DELETE ON review_items
  FOR EACH ROW EXECUTE FUNCTION malipo_reconciliation_day_changed('created_at', 'resolved_at');
CREATE TRIGGER mpesa_records_reconciliation_day AFTER INSERT OR UPDATE OR DELETE ON mpesa_records
  FOR EACH ROW EXECUTE FUNCTION malipo_reconciliation_day_changed('completed_at');

-- Receipts recorded before this migration all came from callbacks.
UPDATE payments SET receipt_source = 'callback' WHERE receipt IS NOT NULL;
