import { appendAuditLog, type UserActor } from "../../audit/append-audit-log";
import { type DbClient, inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { recordEvent } from "../../events/record-event";
import { isUuid } from "../../validation/id";
import { toCheckoutSessionResource, toPaymentResource } from "../collections/payment-resource";
import { reviewNote } from "./review-note";

/**
 * A person says which checkout some money was for: paybill money that matched no checkout, or a
 * payment held for review. The checkout becomes paid (once: a paid checkout is refused, which
 * would be a double payment), the money is linked to it, the item is resolved; all audited
 * with the person's note.
 */
export async function matchReviewItem(
  db: DbClient,
  options: {
    merchantId: string;
    itemId: string;
    checkoutSessionId: string;
    note: string;
    actor: UserActor;
  },
) {
  const note = reviewNote(options.note);
  if (!isUuid(options.itemId)) throw new AppError("not_found", "No such review item.");
  if (!isUuid(options.checkoutSessionId)) throw new AppError("not_found", "No such checkout.");
  return inTransaction(db, async (tx) => {
    const [item] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM review_items WHERE id = ${options.itemId}::uuid AND merchant_id = ${options.merchantId}::uuid
      FOR UPDATE`;
    const review = item ? await tx.reviewItem.findUnique({ where: { id: item.id } }) : null;
    if (!review) throw new AppError("not_found", "No such review item.");
    if (review.status !== "open") throw new AppError("conflict", "This item was already decided.");
    if (!review.c2bTransactionId && !review.paymentId)
      throw new AppError("conflict", "There is no money to match on this item: dismiss it with a note.");
    const [session] = await tx.$queryRaw<{ id: string; status: string; amount: number; reference: string }[]>`
      SELECT id, status::text, amount, reference FROM checkout_sessions
      WHERE id = ${options.checkoutSessionId}::uuid AND merchant_id = ${options.merchantId}::uuid
      FOR UPDATE`;
    if (!session) throw new AppError("not_found", "No such checkout.");
    if (session.status === "paid")
      throw new AppError("conflict", "That checkout is already paid: matching would count it twice.");
    let amount: number | null = null;
    if (review.c2bTransactionId) {
      const c2b = await tx.c2bTransaction.update({
        where: { id: review.c2bTransactionId },
        data: { matched: true, checkoutSessionId: session.id },
      });
      amount = c2b.amount;
    }
    if (review.paymentId) {
      const payment = await tx.payment.findFirstOrThrow({ where: { id: review.paymentId } });
      const matched = await tx.payment.update({
        where: { id: payment.id },
        data: {
          checkoutSessionId: session.id,
          ...(payment.status === "needs_review" ? { status: "paid" as const } : {}),
        },
      });
      if (payment.status === "needs_review") {
        await recordEvent(tx, {
          merchantId: matched.merchantId,
          type: "payment.paid",
          objectId: matched.id,
          data: toPaymentResource(matched),
        });
      }
      amount = payment.paidAmount ?? payment.amount;
    }
    const paid = await tx.checkoutSession.update({
      where: { id: session.id },
      data: { status: "paid", paidAt: new Date() },
    });
    // The session's public URL needs the app's address, which the core does not know.
    const { url: _url, ...checkout } = toCheckoutSessionResource(paid, "");
    await recordEvent(tx, {
      merchantId: paid.merchantId,
      type: "checkout.completed",
      objectId: paid.id,
      data: { ...checkout, paymentId: review.paymentId },
    });
    const resolved = await tx.reviewItem.update({
      where: { id: review.id },
      data: { status: "resolved", note, resolvedAt: new Date(), resolvedById: options.actor.id },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: "review.matched",
      target: { type: "review_item", id: review.id },
      metadata: {
        kind: review.kind,
        checkoutSessionId: session.id,
        checkoutReference: session.reference,
        checkoutAmount: session.amount,
        amount,
        note,
      },
    });
    return resolved;
  });
}
