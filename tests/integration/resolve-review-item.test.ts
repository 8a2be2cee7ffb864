import { describe, expect, it } from "vitest";
import { openReviewItem } from "@/lib/payments/open-review-item";
import { resolveReviewItem } from "@/lib/payments/resolve-review-item";
import { createMember } from "../factories";
import { testDb } from "./db";

describe("deciding review items", () => {
  const db = testDb();

  it("accepts a held payment as paid with a note, once, audited; dismisses others; stays within the merchant", async () => {
    const { user, merchantId } = await createMember(db, { role: "approver" });
    const payment = await db.payment.create({
      data: {
        merchantId,
        amount: 100,
        paidAmount: 99,
        status: "needs_review",
        phoneSealed: "x",
        phoneHash: "h",
        phoneMasked: "2547•••••000",
        reference: "R1",
      },
    });
    await openReviewItem(db, {
      merchantId,
      kind: "amount_mismatch",
      paymentId: payment.id,
      expected: { amount: 100 },
      actual: { amount: 99 },
    });
    const item = await db.reviewItem.findFirstOrThrow({ where: { paymentId: payment.id } });
    const actor = { id: user.id, label: user.email };

    await expect(
      resolveReviewItem(db, { merchantId, itemId: item.id, action: "accept", note: "", actor }),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
    const other = await createMember(db);
    await expect(
      resolveReviewItem(db, {
        merchantId: other.merchantId,
        itemId: item.id,
        action: "accept",
        note: "not mine",
        actor,
      }),
    ).rejects.toMatchObject({ code: "not_found" });

    await resolveReviewItem(db, {
      merchantId,
      itemId: item.id,
      action: "accept",
      note: "Customer short-paid by 1, agreed",
      actor,
    });
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "paid",
    });
    expect(await db.reviewItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({
      status: "resolved",
      resolvedById: user.id,
    });
    expect(
      await db.auditLog.findFirst({ where: { action: "review.accepted", targetId: item.id } }),
    ).toMatchObject({ merchantId });
    await expect(
      resolveReviewItem(db, { merchantId, itemId: item.id, action: "dismiss", note: "again", actor }),
    ).rejects.toMatchObject({
      code: "conflict",
    });
  });
});
