import { describe, expect, it } from "vitest";
import { settleC2bConfirmation } from "@/lib/payments/collections/settle-c2b-confirmation";
import { matchReviewItem } from "@/lib/payments/review/match-review-item";
import { tenantDb } from "@/lib/tenancy/tenant-db";
import { createCheckoutSession, createMember, createReviewItem } from "../factories";
import { testDb } from "./db";

describe("matching review items to a checkout", () => {
  const db = testDb();

  /** Paybill money for a reference no open checkout has: it lands in review as unmatched_c2b. */
  async function unmatchedMoney(merchantId: string, transId: string, amount = 1500) {
    await settleC2bConfirmation(db, {
      merchantId,
      notification: {
        transId,
        shortcode: "600000",
        amount,
        amountRaw: String(amount),
        billRefNumber: "INV-LATE",
        transTime: "20261202101010",
        payer: { kind: "msisdn", msisdn: "254711222333" },
      } as never,
    });
    return db.reviewItem.findFirstOrThrow({
      where: { merchantId, kind: "unmatched_c2b", status: "open" },
      orderBy: { createdAt: "desc" },
    });
  }

  it("pays an expired checkout with the late paybill money, links them, resolves the item, audits the note", async () => {
    const { user, merchantId } = await createMember(db, { role: "approver" });
    const expired = await createCheckoutSession(db, {
      merchantId,
      reference: "INV-LATE",
      amount: 1500,
      status: "expired",
      expiresAt: new Date(Date.now() - 60_000),
    });
    const item = await unmatchedMoney(merchantId, "LATE000001");
    const actor = { id: user.id, label: user.email };
    await expect(
      matchReviewItem(db, { merchantId, itemId: item.id, checkoutSessionId: expired.id, note: "", actor }),
    ).rejects.toMatchObject({ code: "validation_failed" });
    await matchReviewItem(db, {
      merchantId,
      itemId: item.id,
      checkoutSessionId: expired.id,
      note: "Customer paid after the link expired",
      actor,
    });
    expect(await db.checkoutSession.findUniqueOrThrow({ where: { id: expired.id } })).toMatchObject({
      status: "paid",
    });
    expect(await db.c2bTransaction.findUniqueOrThrow({ where: { transId: "LATE000001" } })).toMatchObject({
      matched: true,
      checkoutSessionId: expired.id,
    });
    expect(await db.reviewItem.findUniqueOrThrow({ where: { id: item.id } })).toMatchObject({
      status: "resolved",
      note: "Customer paid after the link expired",
      resolvedById: user.id,
    });
    const [audit] = await db.auditLog.findMany({ where: { merchantId, action: "review.matched" } });
    expect(audit?.metadata).toMatchObject({ checkoutSessionId: expired.id, amount: 1500 });
    await expect(
      matchReviewItem(db, {
        merchantId,
        itemId: item.id,
        checkoutSessionId: expired.id,
        note: "again",
        actor,
      }),
    ).rejects.toMatchObject({ code: "conflict" });
  });

  it("two items raced onto one checkout: exactly one wins, the other is told it is already paid", async () => {
    const { user, merchantId } = await createMember(db, { role: "owner" });
    const session = await createCheckoutSession(db, { merchantId, reference: "INV-RACE", amount: 1500 });
    const first = await unmatchedMoney(merchantId, "RACE000001");
    const second = await unmatchedMoney(merchantId, "RACE000002");
    const actor = { id: user.id, label: user.email };
    const results = await Promise.allSettled(
      [first, second].map((item) =>
        matchReviewItem(db, {
          merchantId,
          itemId: item.id,
          checkoutSessionId: session.id,
          note: "race",
          actor,
        }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "conflict" } });
    expect(await db.c2bTransaction.count({ where: { checkoutSessionId: session.id } })).toBe(1);
  });

  it("refuses another merchant's checkout or item, and items with no money", async () => {
    const a = await createMember(db, { role: "owner" });
    const b = await createMember(db, { role: "owner" });
    const bSession = await createCheckoutSession(db, { merchantId: b.merchantId });
    const aSession = await createCheckoutSession(db, { merchantId: a.merchantId });
    const aItem = await unmatchedMoney(a.merchantId, "ISO0000001");
    const bItem = await unmatchedMoney(b.merchantId, "ISO0000002");
    const actor = { id: a.user.id, label: a.user.email };
    const scoped = tenantDb(db, a.merchantId);
    await expect(
      matchReviewItem(scoped, {
        merchantId: a.merchantId,
        itemId: aItem.id,
        checkoutSessionId: bSession.id,
        note: "x-merchant",
        actor,
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      matchReviewItem(scoped, {
        merchantId: a.merchantId,
        itemId: bItem.id,
        checkoutSessionId: aSession.id,
        note: "x-merchant",
        actor,
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect(await db.checkoutSession.findUniqueOrThrow({ where: { id: bSession.id } })).toMatchObject({
      status: "open",
    });
    const empty = await createReviewItem(db, { merchantId: a.merchantId, kind: "malformed_callback" });
    await expect(
      matchReviewItem(scoped, {
        merchantId: a.merchantId,
        itemId: empty.id,
        checkoutSessionId: aSession.id,
        note: "nothing",
        actor,
      }),
    ).rejects.toMatchObject({ code: "conflict" });
  });
});
