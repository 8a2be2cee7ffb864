-- CreateEnum
CREATE TYPE "PaymentStatus" AS ENUM ('pending', 'paid', 'failed', 'cancelled', 'timed_out', 'needs_review', 'reversed');

-- CreateEnum
CREATE TYPE "CheckoutStatus" AS ENUM ('open', 'paid', 'expired', 'cancelled');

-- CreateEnum
CREATE TYPE "InboxState" AS ENUM ('pending', 'processed', 'failed', 'dead');

-- CreateEnum
CREATE TYPE "CallbackKind" AS ENUM ('stk', 'c2b_validation', 'c2b_confirmation', 'b2c_result', 'b2c_timeout', 'other');

-- CreateEnum
CREATE TYPE "ReviewKind" AS ENUM ('amount_mismatch', 'payer_mismatch', 'unknown_callback', 'unmatched_c2b', 'late_success', 'malformed_callback');

-- CreateEnum
CREATE TYPE "ReviewStatus" AS ENUM ('open', 'resolved', 'dismissed');

-- AlterTable
ALTER TABLE "merchants" ADD COLUMN     "callback_secret" TEXT NOT NULL DEFAULT replace(((gen_random_uuid())::text || (gen_random_uuid())::text), '-'::text, ''::text);

-- CreateTable
CREATE TABLE "mpesa_credentials" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "environment" "MpesaEnvironment" NOT NULL,
    "consumer_key_sealed" TEXT NOT NULL,
    "consumer_secret_sealed" TEXT NOT NULL,
    "stk_shortcode" TEXT NOT NULL,
    "passkey_sealed" TEXT NOT NULL,
    "till_number" TEXT,
    "shortcode" TEXT NOT NULL,
    "initiator_name" TEXT,
    "initiator_password_sealed" TEXT,
    "certificate_pem" TEXT,
    "c2b_version" TEXT NOT NULL DEFAULT 'v1',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "mpesa_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkout_sessions" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "amount" INTEGER NOT NULL,
    "reference" TEXT NOT NULL,
    "description" TEXT,
    "status" "CheckoutStatus" NOT NULL DEFAULT 'open',
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "paid_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "checkout_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "payments" (
    "id" UUID NOT NULL,
    "merchant_id" UUID NOT NULL,
    "checkout_session_id" UUID,
    "amount" INTEGER NOT NULL,
    "phone_sealed" TEXT NOT NULL,
    "phone_hash" TEXT NOT NULL,
    "phone_masked" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "description" TEXT,
    "status" "PaymentStatus" NOT NULL DEFAULT 'pending',
    "merchant_request_id" TEXT,
    "checkout_request_id" TEXT,
    "receipt" TEXT,
    "result_code" TEXT,
    "result_desc" TEXT,
    "paid_amount" INTEGER,
    "payer_phone_masked" TEXT,
    "idempotency_key" TEXT,
    "request_hash" TEXT,
    "query_count" INTEGER NOT NULL DEFAULT 0,
    "last_queried_at" TIMESTAMPTZ(3),
    "settled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "payments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "c2b_transactions" (
    "id" UUID NOT NULL,
    "merchant_id" UUID,
    "trans_id" TEXT NOT NULL,
    "shortcode" TEXT NOT NULL,
    "amount" INTEGER,
    "amount_raw" TEXT NOT NULL,
    "bill_ref_number" TEXT NOT NULL,
    "payer" TEXT NOT NULL,
    "payer_kind" TEXT NOT NULL,
    "checkout_session_id" UUID,
    "matched" BOOLEAN NOT NULL DEFAULT false,
    "trans_time" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "c2b_transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "callback_inbox" (
    "id" UUID NOT NULL,
    "merchant_id" UUID,
    "kind" "CallbackKind" NOT NULL,
    "body" TEXT NOT NULL,
    "source_ip" TEXT,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "external_id" TEXT,
    "state" "InboxState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "callback_inbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "daraja_calls" (
    "id" UUID NOT NULL,
    "merchant_id" UUID,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "external_id" TEXT,
    "request_body" JSONB NOT NULL,
    "response_body" JSONB NOT NULL,
    "error" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "daraja_calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_items" (
    "id" UUID NOT NULL,
    "merchant_id" UUID,
    "kind" "ReviewKind" NOT NULL,
    "status" "ReviewStatus" NOT NULL DEFAULT 'open',
    "payment_id" UUID,
    "c2b_transaction_id" UUID,
    "inbox_id" UUID,
    "expected" JSONB NOT NULL DEFAULT '{}',
    "actual" JSONB NOT NULL DEFAULT '{}',
    "note" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),
    "resolved_by_id" UUID,

    CONSTRAINT "review_items_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "mpesa_credentials_shortcode_idx" ON "mpesa_credentials"("shortcode");

-- CreateIndex
CREATE UNIQUE INDEX "mpesa_credentials_merchant_id_environment_key" ON "mpesa_credentials"("merchant_id", "environment");

-- CreateIndex
CREATE INDEX "checkout_sessions_merchant_id_created_at_idx" ON "checkout_sessions"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "checkout_sessions_merchant_id_reference_idx" ON "checkout_sessions"("merchant_id", "reference");

-- CreateIndex
CREATE UNIQUE INDEX "payments_checkout_request_id_key" ON "payments"("checkout_request_id");

-- CreateIndex
CREATE UNIQUE INDEX "payments_receipt_key" ON "payments"("receipt");

-- CreateIndex
CREATE INDEX "payments_merchant_id_created_at_id_idx" ON "payments"("merchant_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "payments_merchant_id_status_created_at_idx" ON "payments"("merchant_id", "status", "created_at" DESC);

-- CreateIndex
CREATE INDEX "payments_merchant_id_phone_hash_idx" ON "payments"("merchant_id", "phone_hash");

-- CreateIndex
CREATE INDEX "payments_status_created_at_idx" ON "payments"("status", "created_at");

-- CreateIndex
CREATE INDEX "payments_checkout_session_id_idx" ON "payments"("checkout_session_id");

-- CreateIndex
CREATE UNIQUE INDEX "payments_merchant_id_idempotency_key_key" ON "payments"("merchant_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "c2b_transactions_trans_id_key" ON "c2b_transactions"("trans_id");

-- CreateIndex
CREATE INDEX "c2b_transactions_merchant_id_created_at_idx" ON "c2b_transactions"("merchant_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "callback_inbox_state_received_at_idx" ON "callback_inbox"("state", "received_at");

-- CreateIndex
CREATE INDEX "callback_inbox_merchant_id_received_at_idx" ON "callback_inbox"("merchant_id", "received_at" DESC);

-- CreateIndex
CREATE INDEX "callback_inbox_external_id_idx" ON "callback_inbox"("external_id");

-- CreateIndex
CREATE INDEX "daraja_calls_merchant_id_started_at_idx" ON "daraja_calls"("merchant_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "daraja_calls_external_id_idx" ON "daraja_calls"("external_id");

-- CreateIndex
CREATE INDEX "review_items_merchant_id_status_created_at_idx" ON "review_items"("merchant_id", "status", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "review_items_kind_payment_id_key" ON "review_items"("kind", "payment_id");

-- AddForeignKey
ALTER TABLE "mpesa_credentials" ADD CONSTRAINT "mpesa_credentials_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkout_sessions" ADD CONSTRAINT "checkout_sessions_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "payments" ADD CONSTRAINT "payments_checkout_session_id_fkey" FOREIGN KEY ("checkout_session_id") REFERENCES "checkout_sessions"("id") ON DELETE SET NULL ON UPDATE CASCADE;
