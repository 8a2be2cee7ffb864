import type { Prisma, ReviewKind } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";

/**
 * Puts something in front of a person; one item per payment (or M-Pesa record, payout, reversal)
 * and kind: repeats are no-ops. Returns whether an item was opened.
 */
export async function openReviewItem(
  db: DbClient,
  item: {
    merchantId: string | null;
    kind: ReviewKind;
    paymentId?: string | null;
    c2bTransactionId?: string | null;
    inboxId?: string | null;
    mpesaRecordId?: string | null;
    payoutId?: string | null;
    reversalId?: string | null;
    expected?: Prisma.InputJsonObject;
    actual?: Prisma.InputJsonObject;
  },
): Promise<boolean> {
  const { kind } = item;
  const keys: Prisma.ReviewItemWhereUniqueInput[] = [
    ...(item.paymentId ? [{ kind_paymentId: { kind, paymentId: item.paymentId } }] : []),
    ...(item.mpesaRecordId ? [{ kind_mpesaRecordId: { kind, mpesaRecordId: item.mpesaRecordId } }] : []),
    ...(item.payoutId ? [{ kind_payoutId: { kind, payoutId: item.payoutId } }] : []),
    ...(item.reversalId ? [{ kind_reversalId: { kind, reversalId: item.reversalId } }] : []),
  ];
  for (const where of keys) if (await db.reviewItem.findUnique({ where })) return false;
  // The item and its event commit together (a caller without a transaction gets one here): an item
  // left without its event would be found by a retry and its event never recorded.
  return inTransaction(db, async (tx) => {
    const created = await tx.reviewItem.create({
      data: {
        merchantId: item.merchantId,
        kind: item.kind,
        paymentId: item.paymentId ?? null,
        c2bTransactionId: item.c2bTransactionId ?? null,
        inboxId: item.inboxId ?? null,
        mpesaRecordId: item.mpesaRecordId ?? null,
        payoutId: item.payoutId ?? null,
        reversalId: item.reversalId ?? null,
        expected: item.expected ?? {},
        actual: item.actual ?? {},
      },
    });
    if (created.merchantId) {
      await recordEvent(tx, {
        merchantId: created.merchantId,
        type: "review_item.opened",
        objectId: created.id,
        data: {
          id: created.id,
          object: "review_item",
          kind: created.kind,
          status: created.status,
          paymentId: created.paymentId,
          payoutId: created.payoutId,
          reversalId: created.reversalId,
          createdAt: created.createdAt.toISOString(),
        },
      });
    }
    return true;
  });
}
