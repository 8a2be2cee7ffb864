import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerC2bUrls } from "@/lib/merchants/register-c2b-urls";
import { createCheckoutSession } from "@/lib/payments/collections/create-checkout-session";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { testDb } from "./db";

describe("paybill payments (C2B) against the simulator", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    await registerC2bUrls(db, world.deps, { merchantId: world.merchant.id });
  });
  afterAll(() => world.close());
  const payBill = (account: string, amount: number) =>
    world.control("POST", "/sim/c2b/pay", {
      shortcode: "600000",
      phone: "254712000900",
      amount,
      account,
    }) as Promise<{
      transId: string | null;
      outcome: string;
    }>;

  it("accepts money for an open checkout with the right amount and marks the checkout paid", async () => {
    const session = await createCheckoutSession(db, {
      merchantId: world.merchant.id,
      amount: 700,
      reference: "INV-700",
      expiresInMinutes: 60,
    });
    const paid = await payBill("INV-700", 700);
    expect(paid.outcome).toBe("completed");
    const tx = await waitUntil(
      () => db.c2bTransaction.findUnique({ where: { transId: paid.transId ?? "" } }),
      (t) => t?.matched === true,
    );
    expect(tx).toMatchObject({
      amount: 700,
      billRefNumber: "INV-700",
      checkoutSessionId: session.id,
      payerKind: "hashed",
    });
    expect(await db.checkoutSession.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({
      status: "paid",
    });
  });

  it("rejects an unknown account number (C2B00012) and a wrong amount (C2B00013): no money moves", async () => {
    await createCheckoutSession(db, {
      merchantId: world.merchant.id,
      amount: 500,
      reference: "INV-500",
      expiresInMinutes: 60,
    });
    expect((await payBill("NO-SUCH-ACC", 500)).outcome).toMatch(/rejected/);
    expect((await payBill("INV-500", 499)).outcome).toMatch(/rejected/);
    const validations = await db.callbackInbox.findMany({
      where: { merchantId: world.merchant.id, kind: "c2b_validation" },
    });
    expect(validations.length).toBeGreaterThanOrEqual(2);
    expect(
      await db.callbackInbox.count({
        where: { merchantId: world.merchant.id, kind: "c2b_confirmation", body: { contains: "NO-SUCH-ACC" } },
      }),
    ).toBe(0);
  });

  it("keeps unmatched money in review, and applies a repeated confirmation once", async () => {
    const body = JSON.stringify({
      TransactionType: "Pay Bill",
      TransID: "UNM0000001",
      TransTime: "20261124101010",
      TransAmount: "300.00",
      BusinessShortCode: "600000",
      BillRefNumber: "WHO-KNOWS",
      MSISDN: "2547 ***** 126",
    });
    const url = `${world.appUrl}/api/hooks/c2b-confirmation/${world.merchant.id}/${world.merchant.callbackSecret}`;
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => fetch(url, { method: "POST", body }).then((r) => r.json())),
    );
    expect(answers).toEqual(Array(3).fill({ ResultCode: 0, ResultDesc: "Success" }));
    await waitUntil(
      () => db.callbackInbox.count({ where: { externalId: "UNM0000001", state: "processed" } }),
      (n) => n === 3,
    );
    expect(await db.c2bTransaction.count({ where: { transId: "UNM0000001" } })).toBe(1);
    const tx = await db.c2bTransaction.findUniqueOrThrow({ where: { transId: "UNM0000001" } });
    expect(tx).toMatchObject({ matched: false, payerKind: "masked", amount: 300 });
    expect(await db.reviewItem.count({ where: { c2bTransactionId: tx.id, kind: "unmatched_c2b" } })).toBe(1);
  });
});
