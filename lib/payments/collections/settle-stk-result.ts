import type { Payment } from "../../../prisma/generated/prisma/client";
import type { PaymentStatus, ReceiptSource } from "../../../prisma/generated/prisma/enums";
import type { Keyring } from "../../crypto/keyring";
import { lookupHash } from "../../crypto/seal";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { paymentEventType } from "../../events/event-types";
import { recordEvent } from "../../events/record-event";
import { maskPhone } from "../../redact";
import { reportSettled } from "../observer";
import { openReviewItem } from "../review/open-review-item";
import { toCheckoutSessionResource, toPaymentResource } from "./payment-resource";
import { statusForStkResult } from "./stk-outcomes";

export interface StkResult {
  checkoutRequestId: string;
  resultCode: string;
  resultDesc: string;
  /** Whole KES M-Pesa reports as paid (success only). */
  amount?: number | null;
  receipt?: string | null;
  /** Payer MSISDN as M-Pesa reports it. */
  phone?: string | null;
  /** The payer as M-Pesa's record shows it, already masked (used when `phone` is absent). */
  payerPhoneMasked?: string | null;
  /** callback or query (STK), or the M-Pesa record (Pull Transactions, a statement) that showed it. */
  source: "callback" | "query" | "pull" | "statement";
  inboxId?: string | null;
}

export type SettleOutcome =
  | { outcome: "applied"; paymentId: string; status: PaymentStatus }
  | { outcome: "already_final"; paymentId: string; status: PaymentStatus }
  | { outcome: "unknown_payment" };

/** Where a receipt carried by this result came from (a query never carries one). */
function receiptSourceOf(source: StkResult["source"]): ReceiptSource {
  return source === "pull" || source === "statement" ? source : "callback";
}

const IGNORE_WHEN = new Set<PaymentStatus>(["paid", "needs_review", "reversed"]);
const FINAL = new Set<PaymentStatus>([
  "paid",
  "failed",
  "cancelled",
  "timed_out",
  "needs_review",
  "reversed",
]);

/**
 * The common case in one statement: a result for a pending payment that adds up (a failure, or a
 * success of the asked amount, from the payer asked, with an unused receipt, for no checkout
 * session). `status = 'pending'` in the UPDATE's WHERE is the row lock and the final-state check
 * at once: a concurrent settlement of the same payment waits for the row, and PostgreSQL then
 * re-checks the WHERE against the committed row, so only one of them updates it. Returns null when
 * no row was updated (already final, unknown, or something to review): then settleStkResult takes
 * the general path, which locks, reads and decides every other case.
 */
async function settleIfPending(
  tx: DbClient,
  options: { keyring: Keyring; result: StkResult; merchantId: string },
): Promise<Payment | null> {
  const { result } = options;
  const success = result.resultCode === "0";
  const paidAmount = success ? (result.amount ?? null) : null;
  if (success && paidAmount === null) return null; // a success without an amount goes to review
  const status: PaymentStatus = statusForStkResult(result.resultCode);
  const receipt = result.receipt ?? null;
  const payerPhoneMasked =
    success && result.phone ? maskPhone(result.phone) : (result.payerPhoneMasked ?? null);
  const phoneHash = success && result.phone ? lookupHash(options.keyring, result.phone, "phone") : null;
  const now = new Date();
  const [settled] = await tx.$queryRaw<Payment[]>`
    UPDATE payments SET
      status = ${status}::"PaymentStatus", result_code = ${result.resultCode}, result_desc = ${result.resultDesc},
      receipt = ${receipt}, receipt_source = ${receipt ? receiptSourceOf(result.source) : null}::"ReceiptSource",
      paid_amount = ${paidAmount}::int, payer_phone_masked = ${payerPhoneMasked},
      settled_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
    WHERE checkout_request_id = ${result.checkoutRequestId} AND merchant_id = ${options.merchantId}::uuid
      AND status = 'pending'
      AND (NOT ${success}::boolean OR (
        amount = ${paidAmount}::int AND checkout_session_id IS NULL
        AND (${phoneHash}::text IS NULL OR phone_hash = ${phoneHash}::text)
        AND (${receipt}::text IS NULL
          OR NOT EXISTS (SELECT 1 FROM payments taken WHERE taken.receipt = ${receipt}::text))))
    RETURNING id::text, merchant_id::text AS "merchantId", checkout_session_id::text AS "checkoutSessionId",
      amount, phone_sealed AS "phoneSealed", phone_hash AS "phoneHash", phone_masked AS "phoneMasked",
      reference, description, status::text, merchant_request_id AS "merchantRequestId",
      checkout_request_id AS "checkoutRequestId", receipt, receipt_source::text AS "receiptSource",
      result_code AS "resultCode", result_desc AS "resultDesc", paid_amount AS "paidAmount",
      payer_phone_masked AS "payerPhoneMasked", idempotency_key AS "idempotencyKey",
      request_hash AS "requestHash", query_count AS "queryCount", last_queried_at AS "lastQueriedAt",
      settled_at AS "settledAt", reversed_at AS "reversedAt", trace_context AS "traceContext",
      created_at AS "createdAt", updated_at AS "updatedAt"`;
  return settled ?? null;
}

/** What every settlement that changed a payment does next: reports it and records its event. */
async function announceSettled(tx: DbClient, settled: Payment) {
  reportSettled({
    kind: "payment",
    id: settled.id,
    status: settled.status,
    startedAt: settled.createdAt,
    settledAt: settled.settledAt ?? new Date(),
  });
  const type = paymentEventType(settled.status);
  if (type) {
    await recordEvent(tx, {
      merchantId: settled.merchantId,
      type,
      objectId: settled.id,
      data: toPaymentResource(settled),
    });
  }
}

/**
 * Applies an STK result exactly once: the payment row is locked, a result for a final payment is
 * ignored, and only then is it applied. A success that does not add up (amount, payer, receipt
 * already used, checkout already paid, late after a timeout) is applied and put in review.
 * The common case is one UPDATE and one INSERT (settleIfPending, recordEvent).
 */
export function settleStkResult(
  db: DbClient,
  options: {
    keyring: Keyring;
    result: StkResult;
    /**
     * The merchant the result arrived for (its callback URL's, or the queried payment's). A
     * result only ever settles that merchant's payment: a merchant who knows another's
     * CheckoutRequestID cannot settle it through their own callback URL.
     */
    merchantId: string | null;
  },
): Promise<SettleOutcome> {
  const { result } = options;
  if (!options.merchantId) return Promise.resolve({ outcome: "unknown_payment" } as const);
  const merchantId = options.merchantId;
  return inTransaction(db, async (tx) => {
    const fast = await settleIfPending(tx, { keyring: options.keyring, result, merchantId });
    if (fast) {
      await announceSettled(tx, fast);
      return { outcome: "applied", paymentId: fast.id, status: fast.status } as const;
    }
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM payments
      WHERE checkout_request_id = ${result.checkoutRequestId} AND merchant_id = ${merchantId}::uuid
      FOR UPDATE`;
    if (!locked) return { outcome: "unknown_payment" } as const;
    const payment = await tx.payment.findUniqueOrThrow({ where: { id: locked.id } });
    const success = result.resultCode === "0";
    if (IGNORE_WHEN.has(payment.status) || (!success && FINAL.has(payment.status))) {
      // A query can settle a payment before the callback brings the receipt: fill it in once.
      if (
        success &&
        payment.status === "paid" &&
        !payment.receipt &&
        result.receipt &&
        result.amount === payment.amount
      ) {
        const taken = await tx.payment.findUnique({
          where: { receipt: result.receipt },
          select: { id: true },
        });
        if (!taken) {
          await tx.payment.update({
            where: { id: payment.id },
            data: {
              receipt: result.receipt,
              receiptSource: receiptSourceOf(result.source),
              payerPhoneMasked: result.phone
                ? maskPhone(result.phone)
                : (result.payerPhoneMasked ?? payment.payerPhoneMasked),
            },
          });
        }
      }
      return { outcome: "already_final", paymentId: payment.id, status: payment.status } as const;
    }

    const review: Parameters<typeof openReviewItem>[1][] = [];
    const base = { merchantId: payment.merchantId, paymentId: payment.id, inboxId: result.inboxId ?? null };
    let status: PaymentStatus = statusForStkResult(result.resultCode);
    let payerPhoneMasked: string | null = result.payerPhoneMasked ?? null;
    let receipt = result.receipt ?? null;
    if (success) {
      const paidAmount = result.amount ?? null;
      if (paidAmount === null || paidAmount !== payment.amount) {
        status = "needs_review";
        review.push({
          ...base,
          kind: "amount_mismatch",
          expected: { amount: payment.amount },
          actual: { amount: paidAmount },
        });
      }
      if (payment.status !== "pending") {
        review.push({
          ...base,
          kind: "late_success",
          expected: { status: payment.status },
          actual: { status: "paid", receipt },
        });
      }
      if (result.phone) {
        payerPhoneMasked = maskPhone(result.phone);
        if (lookupHash(options.keyring, result.phone, "phone") !== payment.phoneHash) {
          review.push({
            ...base,
            kind: "payer_mismatch",
            expected: { phone: payment.phoneMasked },
            actual: { phone: payerPhoneMasked },
          });
        }
      }
      if (receipt && (await tx.payment.findUnique({ where: { receipt }, select: { id: true } }))) {
        status = "needs_review"; // the same M-Pesa receipt already settled another payment
        review.push({ ...base, kind: "unknown_callback", expected: { receipt: null }, actual: { receipt } });
        receipt = null;
      }
      if (payment.checkoutSessionId) {
        const session = await tx.checkoutSession.findUniqueOrThrow({
          where: { id: payment.checkoutSessionId },
        });
        if (session.status === "paid") {
          status = "needs_review"; // a second payment for one checkout: money to give back
          review.push({
            ...base,
            kind: "amount_mismatch",
            expected: { checkout: "one payment" },
            actual: { checkout: "paid twice" },
          });
        } else if (status === "paid") {
          const paid = await tx.checkoutSession.update({
            where: { id: session.id },
            data: { status: "paid", paidAt: new Date() },
          });
          // The session's public URL needs the app's address, which settlement does not know.
          const { url: _url, ...checkout } = toCheckoutSessionResource(paid, "");
          await recordEvent(tx, {
            merchantId: paid.merchantId,
            type: "checkout.completed",
            objectId: paid.id,
            data: { ...checkout, paymentId: payment.id },
          });
        }
      }
    }

    const settled = await tx.payment.update({
      where: { id: payment.id },
      data: {
        status,
        resultCode: result.resultCode,
        resultDesc: result.resultDesc,
        receipt,
        receiptSource: receipt ? receiptSourceOf(result.source) : null,
        paidAmount: success ? (result.amount ?? null) : null,
        payerPhoneMasked,
        settledAt: new Date(),
      },
    });
    await announceSettled(tx, settled);
    for (const item of review) await openReviewItem(tx, item);
    return { outcome: "applied", paymentId: payment.id, status } as const;
  });
}
