import type { Prisma, ReviewKind } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";

/** Puts something in front of a person; one open item per payment and kind (repeats are no-ops). */
export async function openReviewItem(
  db: DbClient,
  item: {
    merchantId: string | null;
    kind: ReviewKind;
    paymentId?: string | null;
    c2bTransactionId?: string | null;
    inboxId?: string | null;
    expected?: Prisma.InputJsonObject;
    actual?: Prisma.InputJsonObject;
  },
): Promise<void> {
  if (item.paymentId) {
    const existing = await db.reviewItem.findUnique({
      where: { kind_paymentId: { kind: item.kind, paymentId: item.paymentId } },
    });
    if (existing) return;
  }
  await db.reviewItem.create({
    data: {
      merchantId: item.merchantId,
      kind: item.kind,
      paymentId: item.paymentId ?? null,
      c2bTransactionId: item.c2bTransactionId ?? null,
      inboxId: item.inboxId ?? null,
      expected: item.expected ?? {},
      actual: item.actual ?? {},
    },
  });
}
