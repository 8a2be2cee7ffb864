import type { PaymentStatus } from "../../../prisma/generated/prisma/enums";
import type { Keyring } from "../../crypto/keyring";
import { lookupHash } from "../../crypto/seal";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { maskPhone } from "../../redact";
import { openReviewItem } from "../review/open-review-item";
import { toCheckoutSessionResource } from "./payment-resource";
import {
  announceSettled,
  receiptSourceOf,
  type StkResult,
  settlePendingStkResults,
} from "./settle-pending-stk-results";
import { fillsInReceipt, statusForStkResult, stkResultIsSpent } from "./stk-outcomes";

export type { StkResult };

export type SettleOutcome =
  | { outcome: "applied"; paymentId: string; status: PaymentStatus }
  | { outcome: "already_final"; paymentId: string; status: PaymentStatus }
  | { outcome: "unknown_payment" };

/**
 * Applies an STK result exactly once: the payment row is locked, a result for a final payment is
 * ignored, and only then is it applied. A success that does not add up (amount, payer, receipt
 * already used, checkout already paid, late after a timeout) is applied and put in review.
 * The common case is one UPDATE and one INSERT (settlePendingStkResults).
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
    const [fast] = await settlePendingStkResults(tx, {
      keyring: options.keyring,
      results: [{ key: "", merchantId, result }],
    });
    if (fast) {
      const [, payment] = fast;
      return { outcome: "applied", paymentId: payment.id, status: payment.status } as const;
    }
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM payments
      WHERE checkout_request_id = ${result.checkoutRequestId} AND merchant_id = ${merchantId}::uuid
      FOR UPDATE`;
    if (!locked) return { outcome: "unknown_payment" } as const;
    const payment = await tx.payment.findUniqueOrThrow({ where: { id: locked.id } });
    const success = result.resultCode === "0";
    if (stkResultIsSpent(payment, result) || fillsInReceipt(payment, result)) {
      // A query can settle a payment before the callback brings the receipt: fill it in once.
      if (fillsInReceipt(payment, result) && result.receipt) {
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
    await announceSettled(tx, [settled]);
    for (const item of review) await openReviewItem(tx, item);
    return { outcome: "applied", paymentId: payment.id, status } as const;
  });
}
