import { Prisma } from "../../../prisma/generated/prisma/client";

/**
 * A `payments` row as a Payment (its fields' names and types), for the RETURNING of raw statements
 * that change payments in bulk (settle-pending-stk-results.ts, follow-up-stk-payment.ts).
 */
export const PAYMENT_COLUMNS = Prisma.sql`payments.id::text, payments.merchant_id::text AS "merchantId",
  payments.checkout_session_id::text AS "checkoutSessionId", payments.amount,
  payments.phone_sealed AS "phoneSealed", payments.phone_hash AS "phoneHash",
  payments.phone_masked AS "phoneMasked", payments.reference, payments.description,
  payments.status::text, payments.merchant_request_id AS "merchantRequestId",
  payments.checkout_request_id AS "checkoutRequestId", payments.receipt,
  payments.receipt_source::text AS "receiptSource", payments.result_code AS "resultCode",
  payments.result_desc AS "resultDesc", payments.paid_amount AS "paidAmount",
  payments.payer_phone_masked AS "payerPhoneMasked", payments.idempotency_key AS "idempotencyKey",
  payments.request_hash AS "requestHash", payments.query_count AS "queryCount",
  payments.last_queried_at AS "lastQueriedAt", payments.settled_at AS "settledAt",
  payments.reversed_at AS "reversedAt", payments.trace_context AS "traceContext",
  payments.created_at AS "createdAt", payments.updated_at AS "updatedAt"`;
