import { appendAuditLog, type UserActor } from "../../audit/append-audit-log";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { recordEvent } from "../../events/record-event";
import { isUuid } from "../../validation/id";
import { toPaymentResource } from "../collections/payment-resource";
import { reviewNote } from "./review-note";

export type ReviewAction = "accept" | "dismiss";

/**
 * A person decides about something Malipo would not decide alone. Accepting a payment that was
 * held for review marks it paid; dismissing keeps everything as it is. Both need a note and are
 * audited; an item is decided once.
 */
export async function resolveReviewItem(
  db: DbClient,
  options: {
    merchantId: string;
    itemId: string;
    action: ReviewAction;
    note: string;
    actor: UserActor;
  },
) {
  const note = reviewNote(options.note);
  if (!isUuid(options.itemId)) throw new AppError("not_found", "No such review item.");
  return inTransaction(db, async (tx) => {
    // Locked until the decision commits: of two people deciding at once, the second sees it decided.
    const [locked] = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM review_items WHERE id = ${options.itemId}::uuid AND merchant_id = ${options.merchantId}::uuid
      FOR UPDATE`;
    const item = locked ? await tx.reviewItem.findUnique({ where: { id: locked.id } }) : null;
    if (!item) throw new AppError("not_found", "No such review item.");
    if (item.status !== "open") throw new AppError("conflict", "This item was already decided.");
    if (options.action === "accept" && item.paymentId) {
      const accepted = await tx.payment.updateManyAndReturn({
        where: { id: item.paymentId, status: "needs_review" },
        data: { status: "paid" },
      });
      for (const payment of accepted) {
        await recordEvent(tx, {
          merchantId: payment.merchantId,
          type: "payment.paid",
          objectId: payment.id,
          data: toPaymentResource(payment),
        });
      }
    }
    const resolved = await tx.reviewItem.update({
      where: { id: item.id },
      data: {
        status: options.action === "accept" ? "resolved" : "dismissed",
        note,
        resolvedAt: new Date(),
        resolvedById: options.actor.id,
      },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
      action: options.action === "accept" ? "review.accepted" : "review.dismissed",
      target: { type: "review_item", id: item.id },
      metadata: { kind: item.kind, paymentId: item.paymentId, note },
    });
    return resolved;
  });
}
