import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { cancelCheckoutSession } from "@/lib/payments/collections/cancel-checkout-session";
import { createCheckoutSession } from "@/lib/payments/collections/create-checkout-session";
import { getCheckoutView } from "@/lib/payments/collections/get-checkout-view";
import { payCheckoutSession } from "@/lib/payments/collections/pay-checkout-session";
import { createMember } from "../factories";
import { testDb } from "./db";

describe("checkout links", () => {
  const db = testDb();
  const deps = {
    keyring: parseKeyring(generateKeyringSpec("t1")),
    darajaBaseUrl: () => "http://127.0.0.1:1",
    appUrl: "http://localhost",
    promptLimiter: { consume: async () => null },
  };

  it("a cancelled link says so and takes no payment; only open links can be cancelled, by their merchant", async () => {
    const { user, merchantId } = await createMember(db);
    const actor = { id: user.id, label: user.email };
    const session = await createCheckoutSession(db, {
      merchantId,
      amount: 300,
      reference: "LINK-1",
      expiresInMinutes: 60,
    });
    const other = await createMember(db);
    await expect(
      cancelCheckoutSession(db, { merchantId: other.merchantId, sessionId: session.id, actor }),
    ).rejects.toMatchObject({ code: "conflict" });

    await cancelCheckoutSession(db, { merchantId, sessionId: session.id, actor });
    expect(await getCheckoutView(db, { sessionId: session.id })).toMatchObject({ state: "cancelled" });
    await expect(
      payCheckoutSession(db, deps, { sessionId: session.id, phone: "0712345678" }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      cancelCheckoutSession(db, { merchantId, sessionId: session.id, actor }),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await db.auditLog.count({ where: { action: "checkout.cancelled", targetId: session.id } })).toBe(
      1,
    );
    expect(await db.payment.count({ where: { checkoutSessionId: session.id } })).toBe(0);
  });

  it("an expired link says so without any job closing it", async () => {
    const { merchantId } = await createMember(db);
    const session = await createCheckoutSession(db, {
      merchantId,
      amount: 300,
      reference: "LINK-2",
      expiresInMinutes: 5,
      now: new Date(Date.now() - 10 * 60_000),
    });
    expect(await getCheckoutView(db, { sessionId: session.id })).toMatchObject({ state: "expired" });
    await expect(
      payCheckoutSession(db, deps, { sessionId: session.id, phone: "0712345678" }),
    ).rejects.toMatchObject({ code: "conflict" });
  });
});
