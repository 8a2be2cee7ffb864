import type { ReceiptSource } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { maskPhone } from "../../redact";
import type { C2bNotification } from "../daraja/inbound";
import { openReviewItem } from "../review/open-review-item";
import { toCheckoutSessionResource } from "./payment-resource";

export type C2bOutcome = "matched" | "unmatched" | "duplicate";

/**
 * Money M-Pesa confirms was paid to the merchant's paybill or till. Idempotent on TransID; pays
 * the open checkout whose reference is the account number and whose amount matches; anything
 * else is kept and put in review, never dropped.
 */
export function settleC2bConfirmation(
  db: DbClient,
  options: {
    merchantId: string;
    notification: C2bNotification;
    inboxId?: string | null;
    /** How Malipo learned of it: the confirmation callback (default) or M-Pesa's record. */
    source?: ReceiptSource;
  },
): Promise<C2bOutcome> {
  const n = options.notification;
  const payer =
    n.payer.kind === "msisdn"
      ? maskPhone(n.payer.msisdn)
      : n.payer.kind === "masked"
        ? n.payer.masked
        : n.payer.kind === "hashed"
          ? n.payer.hash
          : (n.payer.raw ?? "");
  return inTransaction(db, async (tx) => {
    const inserted = await tx.$queryRaw<{ id: string }[]>`
      INSERT INTO c2b_transactions (id, merchant_id, trans_id, shortcode, amount, amount_raw, bill_ref_number, payer, payer_kind, trans_time, source)
      VALUES (gen_random_uuid(), ${options.merchantId}::uuid, ${n.transId}, ${n.shortcode}, ${n.amount}, ${n.amountRaw},
              ${n.billRefNumber}, ${payer},
              ${n.payer.kind}, ${n.transTime}, ${options.source ?? "callback"}::"ReceiptSource")
      ON CONFLICT (trans_id) DO NOTHING
      RETURNING id`;
    const row = inserted[0];
    if (!row) return "duplicate";
    const [session] = await tx.$queryRaw<{ id: string; amount: number }[]>`
      SELECT id, amount FROM checkout_sessions
      WHERE merchant_id = ${options.merchantId}::uuid AND reference = ${n.billRefNumber} AND status = 'open'
      ORDER BY created_at DESC LIMIT 1 FOR UPDATE`;
    if (session && n.amount !== null && session.amount === n.amount) {
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
        data: { ...checkout, paymentId: null, c2bTransactionId: row.id },
      });
      await tx.c2bTransaction.update({
        where: { id: row.id },
        data: { matched: true, checkoutSessionId: session.id },
      });
      return "matched";
    }
    await openReviewItem(tx, {
      merchantId: options.merchantId,
      kind: "unmatched_c2b",
      c2bTransactionId: row.id,
      inboxId: options.inboxId ?? null,
      expected: session
        ? { amount: session.amount, reference: n.billRefNumber }
        : { reference: "an open checkout" },
      actual: { amount: n.amount ?? n.amountRaw, reference: n.billRefNumber, transId: n.transId },
    });
    return "unmatched";
  });
}
