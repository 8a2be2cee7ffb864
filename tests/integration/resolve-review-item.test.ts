import { describe, expect, it } from "vitest";
import { openReviewItem } from "@/lib/payments/review/open-review-item";
import { resolveReviewItem } from "@/lib/payments/review/resolve-review-item";
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

  it("of five people deciding one item at once, exactly one succeeds and one decision is audited", async () => {
    const { user, merchantId } = await createMember(db, { role: "approver" });
    const actor = { id: user.id, label: user.email };
    // Several rounds: without the row lock, concurrent deciders interleave differently each time.
    for (let round = 0; round < 5; round += 1) {
      await openReviewItem(db, {
        merchantId,
        kind: "amount_mismatch",
        expected: { amount: 100 + round },
        actual: { amount: 90 },
      });
      const item = await db.reviewItem.findFirstOrThrow({ where: { merchantId, status: "open" } });
      const results = await Promise.allSettled(
        (["accept", "dismiss", "accept", "dismiss", "accept"] as const).map((action, i) =>
          resolveReviewItem(db, { merchantId, itemId: item.id, action, note: `Decision number ${i}`, actor }),
        ),
      );
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results.filter((r) => r.status === "rejected"))
        expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "conflict" });
      expect(
        await db.auditLog.count({
          where: { targetId: item.id, action: { in: ["review.accepted", "review.dismissed"] } },
        }),
      ).toBe(1);
    }
  });

  it("answers not found for an unknown or malformed item id", async () => {
    const { user, merchantId } = await createMember(db, { role: "approver" });
    const actor = { id: user.id, label: user.email };
    for (const itemId of ["00000000-0000-0000-0000-000000000000", "-".repeat(36), "not-an-id"]) {
      await expect(
        resolveReviewItem(db, { merchantId, itemId, action: "dismiss", note: "no such item", actor }),
      ).rejects.toMatchObject({ code: "not_found" });
    }
  });
});
