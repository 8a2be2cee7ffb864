-- CreateEnum
CREATE TYPE "PayoutKind" AS ENUM ('b2c', 'b2b');

-- CreateEnum
CREATE TYPE "PayoutCommand" AS ENUM ('BusinessPayment', 'SalaryPayment', 'PromotionPayment', 'BusinessPayBill', 'BusinessBuyGoods');

-- CreateEnum
CREATE TYPE "PayoutStatus" AS ENUM ('pending_approval', 'approved', 'rejected', 'cancelled', 'submitted', 'paid', 'failed', 'unknown', 'needs_review');

-- CreateEnum
CREATE TYPE "PayoutDecision" AS ENUM ('approved', 'rejected');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "CallbackKind" ADD VALUE 'b2b_result';
ALTER TYPE "CallbackKind" ADD VALUE 'b2b_timeout';
ALTER TYPE "CallbackKind" ADD VALUE 'status_result';
ALTER TYPE "CallbackKind" ADD VALUE 'status_timeout';
ALTER TYPE "CallbackKind" ADD VALUE 'balance_result';
ALTER TYPE "CallbackKind" ADD VALUE 'balance_timeout';

-- CreateTable
CREATE TABLE "payout_policies" (
    "merchant_id" UUID NOT NULL,
    "approver_roles" "Role"[] DEFAULT ARRAY['owner', 'admin', 'approver']::"Role"[],
    "dual_approval_above" INTEGER,
    "max_per_payout" INTEGER NOT NULL DEFAULT 150000,
    "daily_ceiling" INTEGER,
    "submit_per_second" INTEGER NOT NULL DEFAULT 2,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_by_id" UUID,

    CONSTRAINT "payout_policies_pkey" PRIMARY KEY ("merchant_id")
);

-- CreateTable
CREATE TABLE "payout_batches" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "requested_by_id" UUID,
    "requested_by_api_key_id" UUID,
    "requester_label" TEXT NOT NULL,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payout_batches_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payouts" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "batch_id" UUID,
    "batch_row" INTEGER,
    "kind" "PayoutKind" NOT NULL,
    "command" "PayoutCommand" NOT NULL,
    "amount" INTEGER NOT NULL,
    "recipient_phone_sealed" TEXT,
    "recipient_phone_hash" TEXT,
    "recipient_phone_masked" TEXT,
    "recipient_shortcode" TEXT,
    "account_reference" TEXT,
    "remarks" TEXT NOT NULL,
    "occasion" TEXT,
    "status" "PayoutStatus" NOT NULL DEFAULT 'pending_approval',
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
    "recipient_name" TEXT,
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

    CONSTRAINT "payouts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payout_approvals" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "payout_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "user_label" TEXT NOT NULL,
    "decision" "PayoutDecision" NOT NULL,
    "note" TEXT,
    "ip" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "payout_approvals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_balances" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "environment" "MpesaEnvironment" NOT NULL,
    "shortcode" TEXT NOT NULL,
    "originator_conversation_id" TEXT,
    "conversation_id" TEXT,
    "utility_available_cents" BIGINT,
    "working_available_cents" BIGINT,
    "accounts" JSONB,
    "result_code" TEXT,
    "result_desc" TEXT,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "answered_at" TIMESTAMPTZ(3),

    CONSTRAINT "account_balances_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "payout_batches_merchant_id_created_at_idx" ON "payout_batches"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "payout_batches_merchant_id_idempotency_key_key" ON "payout_batches"("merchant_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "payouts_originator_conversation_id_key" ON "payouts"("originator_conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "payouts_conversation_id_key" ON "payouts"("conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "payouts_receipt_key" ON "payouts"("receipt");

-- CreateIndex
CREATE INDEX "payouts_merchant_id_status_created_at_idx" ON "payouts"("merchant_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "payouts_merchant_id_created_at_idx" ON "payouts"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "payouts_batch_id_batch_row_idx" ON "payouts"("batch_id", "batch_row");

-- CreateIndex
CREATE INDEX "payouts_status_submitted_at_idx" ON "payouts"("status", "submitted_at");

-- CreateIndex
CREATE UNIQUE INDEX "payouts_merchant_id_idempotency_key_key" ON "payouts"("merchant_id", "idempotency_key");

-- CreateIndex
CREATE INDEX "payout_approvals_merchant_id_created_at_idx" ON "payout_approvals"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "payout_approvals_payout_id_user_id_key" ON "payout_approvals"("payout_id", "user_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_balances_originator_conversation_id_key" ON "account_balances"("originator_conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "account_balances_conversation_id_key" ON "account_balances"("conversation_id");

-- CreateIndex
CREATE INDEX "account_balances_merchant_id_environment_answered_at_idx" ON "account_balances"("merchant_id", "environment", "answered_at" DESC);

-- AddForeignKey
ALTER TABLE "payout_policies" ADD CONSTRAINT "payout_policies_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout_batches" ADD CONSTRAINT "payout_batches_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payouts" ADD CONSTRAINT "payouts_batch_id_fkey" FOREIGN KEY ("batch_id") REFERENCES "payout_batches"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payout_approvals" ADD CONSTRAINT "payout_approvals_payout_id_fkey" FOREIGN KEY ("payout_id") REFERENCES "payouts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
