import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { simulatorCredentials, upsertMpesaCredential } from "@/lib/merchants/mpesa-credentials";
import { drainCallbackSpool } from "@/lib/payments/callbacks/callback-spool";
import {
  processInboxEntry,
  UNKNOWN_CALLBACK_PATIENCE_MS,
} from "@/lib/payments/callbacks/process-inbox-entry";
import { forgetCallbackMerchants } from "@/lib/payments/callbacks/receive-callback";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { followUpStkPayment } from "@/lib/payments/collections/follow-up-stk-payment";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { createMerchant } from "../factories";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { testDb } from "./db";

describe("collecting money by STK Push, against the simulator", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  const pay = (phone: string, amount = 100, extra: { idempotencyKey?: string; reference?: string } = {}) =>
    initiateStkPayment(db, world.deps, {
      merchantId: world.merchant.id,
      amount,
      phone,
      reference: extra.reference ?? "INV-1",
      idempotencyKey: extra.idempotencyKey,
    });
  const settled = (id: string) =>
    waitUntil(
      () => db.payment.findUniqueOrThrow({ where: { id } }),
      (p) => p.status !== "pending",
    );

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
  });

  it("records a paid payment with its receipt; the phone is stored sealed, hashed and masked", async () => {
    const payment = await pay("0700 000 000", 250);
    expect(payment).toMatchObject({ status: "pending", amount: 250, phoneMasked: "2547•••••000" });
    expect(payment.checkoutRequestId).toMatch(/^ws_CO_/);
    expect(payment.phoneSealed).not.toContain("254700000000");
    const done = await settled(payment.id);
    expect(done).toMatchObject({ status: "paid", resultCode: "0", paidAmount: 250 });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(
      await db.darajaCall.count({
        where: { merchantId: world.merchant.id, path: "/mpesa/stkpush/v1/processrequest" },
      }),
    ).toBeGreaterThan(0);
  });

  it("tells a payment's story: created, prompt sent, callback, settled", async () => {
    const payment = await pay("254700000000", 75);
    await settled(payment.id);
    const { getPaymentTimeline } = await import("@/lib/payments/collections/get-payment-timeline");
    const timeline = await waitUntil(
      () => getPaymentTimeline(db, { merchantId: world.merchant.id, paymentId: payment.id }),
      (t) => t?.events.some((e) => e.kind === "callback" && e.title.includes("processed")) ?? false,
    );
    expect(timeline?.events.map((e) => e.title)).toEqual([
      "Payment created",
      "Prompt sent (STK Push)",
      "Callback received (processed)",
      "Settled: paid",
    ]);
    expect(
      await getPaymentTimeline(db, {
        merchantId: "00000000-0000-7000-8000-000000000000",
        paymentId: payment.id,
      }),
    ).toBeNull();
  });

  it.each([
    ["1", "failed"],
    ["17", "failed"],
    ["1019", "timed_out"],
    ["1025", "failed"],
    ["1032", "cancelled"],
    ["1037", "timed_out"],
    ["2001", "failed"],
  ])("result %s leaves the payment %s", async (code, status) => {
    const payment = await pay(`2547000${code.padStart(5, "0")}`);
    expect(await settled(payment.id)).toMatchObject({ status, resultCode: code, receipt: null });
  });

  it("settles 200 payments exactly once when every callback arrives 5 times at once", async () => {
    await world.control("POST", "/sim/outcomes", { api: "stk", resultCode: 0, delayMs: 50 });
    await world.control("POST", "/sim/faults", { duplicates: 4, concurrent: true });
    const before = world.outcomes.length;
    const payments = [];
    for (let batch = 0; batch < 10; batch += 1) {
      payments.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, (_, i) => pay(`07${String(10_000_000 + batch * 20 + i)}`, 10)),
        )),
      );
    }
    await waitUntil(
      async () => world.outcomes.length - before,
      (n) => n >= 1000,
      60_000,
    );
    const outcomes = world.outcomes.slice(before);
    const rows = await db.payment.findMany({ where: { id: { in: payments.map((p) => p.id) } } });
    expect(rows.every((p) => p.status === "paid" && p.receipt)).toBe(true);
    expect(new Set(rows.map((p) => p.receipt)).size).toBe(200);
    expect(
      await db.callbackInbox.count({
        where: { externalId: { in: payments.map((p) => p.checkoutRequestId ?? "") } },
      }),
    ).toBe(1000);
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1000);
    expect(await db.reviewItem.count({ where: { paymentId: { in: payments.map((p) => p.id) } } })).toBe(0);
  }, 90_000);

  it("recovers a dropped callback by asking M-Pesa (STK Query)", async () => {
    await world.control("POST", "/sim/faults", { drop: true });
    const payment = await pay("254700000000");
    await new Promise((r) => setTimeout(r, 150));
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("pending");
    expect(await followUpStkPayment(db, world.deps, { paymentId: payment.id })).toBe("settled");
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "paid",
      queryCount: 1,
    });
  });

  it("times a payment out after the window without re-sending, and still applies a late success, flagged", async () => {
    const payment = await pay("0712 111 222");
    const later = { ...world.deps, now: () => new Date(Date.now() + 4 * 60_000) };
    expect(await followUpStkPayment(db, later, { paymentId: payment.id })).toBe("timed_out");
    const prompts = (await world.control("GET", "/sim/prompts?phone=254712111222")) as unknown[];
    expect(prompts).toHaveLength(1);
    const accepted = (await world.control("POST", `/sim/prompts/${payment.checkoutRequestId}/accept`, {
      pin: "1234",
    })) as { resultCode: string };
    expect(accepted.resultCode).toBe("0");
    const done = await waitUntil(
      () => db.payment.findUniqueOrThrow({ where: { id: payment.id } }),
      (p) => p.status === "paid",
    );
    expect(done.receipt).toBeTruthy();
    expect(await db.reviewItem.findFirst({ where: { paymentId: payment.id } })).toMatchObject({
      kind: "late_success",
      status: "open",
    });
  });

  it("keeps a callback that arrives before the initiation response, and applies it", async () => {
    await world.control("POST", "/sim/faults", { beforeResponse: true, times: 1 });
    await world.control("POST", "/sim/outcomes", { api: "stk", resultCode: 0, delayMs: 0, times: 1 });
    const payment = await pay("0712 333 444");
    // The callback was stored (and answered) before the initiation response: either its first
    // processing found no payment yet and left it pending, or it ran after the ids were saved.
    const entry = await waitUntil(
      () => db.callbackInbox.findFirstOrThrow({ where: { externalId: payment.checkoutRequestId } }),
      (e) => e.state === "processed" || (e.state === "pending" && e.lastError !== null),
    );
    if (entry.state === "pending") {
      expect(entry.lastError).toMatch(/no payment/);
      expect(await processInboxEntry(db, { keyring: world.keyring, inboxId: entry.id })).toBe("processed");
    }
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "paid",
    });
  });

  it("puts a success for the wrong amount in review instead of marking it paid", async () => {
    await world.control("POST", "/sim/faults", { amount: 99, times: 1 });
    const payment = await pay("254700000000", 100);
    expect(await settled(payment.id)).toMatchObject({ status: "needs_review", paidAmount: 99 });
    expect(await db.reviewItem.findFirst({ where: { paymentId: payment.id } })).toMatchObject({
      kind: "amount_mismatch",
      expected: { amount: 100 },
      actual: { amount: 99 },
    });
  });

  it("records a different payer phone as a discrepancy for review", async () => {
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const payment = await pay("0712 777 888", 60);
    const body = JSON.stringify({
      Body: {
        stkCallback: {
          MerchantRequestID: payment.merchantRequestId,
          CheckoutRequestID: payment.checkoutRequestId,
          ResultCode: 0,
          ResultDesc: "The service request is processed successfully.",
          CallbackMetadata: {
            Item: [
              { Name: "Amount", Value: 60 },
              { Name: "MpesaReceiptNumber", Value: "PAYERDIFF1" },
              { Name: "PhoneNumber", Value: 254799000111 },
            ],
          },
        },
      },
    });
    const url = `${world.appUrl}/api/mpesa/stk/${world.merchant.id}/${world.merchant.callbackSecret}`;
    expect(await (await fetch(url, { method: "POST", body })).json()).toEqual({
      ResultCode: 0,
      ResultDesc: "Accepted",
    });
    const done = await settled(payment.id);
    expect(done).toMatchObject({ status: "paid", receipt: "PAYERDIFF1", payerPhoneMasked: "2547•••••111" });
    expect(await db.reviewItem.findFirst({ where: { paymentId: payment.id } })).toMatchObject({
      kind: "payer_mismatch",
      expected: { phone: "2547•••••888" },
      actual: { phone: "2547•••••111" },
    });
  });

  it("answers the same Idempotency-Key with the same payment and refuses it for a different body", async () => {
    const first = await pay("254700000000", 40, { idempotencyKey: "order-77" });
    const again = await pay("0700000000", 40, { idempotencyKey: "order-77" });
    expect(again.id).toBe(first.id);
    await expect(pay("254700000000", 41, { idempotencyKey: "order-77" })).rejects.toMatchObject({
      code: "conflict",
    });
    expect(await db.payment.count({ where: { idempotencyKey: "order-77" } })).toBe(1);
  });

  it("refuses bad input before creating anything", async () => {
    const count = await db.payment.count();
    await expect(pay("0202345678")).rejects.toMatchObject({
      code: "validation_failed",
      details: { field: "phone" },
    });
    await expect(pay("0712345678", 0)).rejects.toMatchObject({ details: { field: "amount" } });
    await expect(pay("0712345678", 10, { reference: "THIRTEEN-CHRS" })).rejects.toMatchObject({
      details: { field: "reference" },
    });
    expect(await db.payment.count()).toBe(count);
  });

  it("prompts with the merchant's current callback secret and credentials, even right after a change", async () => {
    // Prompts reuse the merchant's Daraja client (getReusedDarajaClient): a change in Settings
    // must still apply to the very next prompt.
    const merchant = await createMerchant(db, { environment: "simulator" });
    await upsertMpesaCredential(db, world.keyring, merchant.id, {
      ...simulatorCredentials(world.sim.certificatePem),
      environment: "simulator",
    });
    const prompt = (phone: string) =>
      initiateStkPayment(db, world.deps, {
        merchantId: merchant.id,
        amount: 10,
        phone,
        reference: "SETTINGS",
      });
    await prompt("254700000101");
    await db.merchant.update({ where: { id: merchant.id }, data: { callbackSecret: "rotated-secret-14" } });
    const after = await prompt("254700000102");
    const state = (await world.control("GET", "/sim/state")) as {
      prompts: { checkoutRequestId: string; callbackUrl: string }[];
    };
    const sent = state.prompts.find((p) => p.checkoutRequestId === after.checkoutRequestId);
    expect(sent?.callbackUrl).toBe(`${world.appUrl}/api/mpesa/stk/${merchant.id}/rotated-secret-14`);

    // Switched to sandbox without sandbox credentials: refused, and nothing created or sent.
    await db.merchant.update({ where: { id: merchant.id }, data: { environment: "sandbox" } });
    await expect(prompt("254700000103")).rejects.toThrow(/not set up/);
    expect(await db.payment.count({ where: { merchantId: merchant.id } })).toBe(2);
  });
});

describe("forged and broken callbacks", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());
  const post = (path: string, body: string, ip = "127.0.0.1") =>
    fetch(`${world.appUrl}${path}`, { method: "POST", body, headers: { "x-test-ip": ip } });
  const stkBody = (checkoutRequestId: string) =>
    JSON.stringify({
      Body: {
        stkCallback: {
          MerchantRequestID: "m",
          CheckoutRequestID: checkoutRequestId,
          ResultCode: 0,
          ResultDesc: "ok",
          CallbackMetadata: {
            Item: [
              { Name: "Amount", Value: 100 },
              { Name: "MpesaReceiptNumber", Value: "FORGED0001" },
            ],
          },
        },
      },
    });

  it("refuses a wrong secret or unknown merchant with 403 and stores nothing", async () => {
    const before = await db.callbackInbox.count();
    expect(
      (await post(`/api/mpesa/stk/${world.merchant.id}/not-the-secret`, stkBody("ws_CO_x"))).status,
    ).toBe(403);
    expect(
      (
        await post(
          `/api/mpesa/stk/00000000-0000-7000-8000-000000000000/${world.merchant.callbackSecret}`,
          stkBody("ws_CO_x"),
        )
      ).status,
    ).toBe(403);
    expect(await db.callbackInbox.count()).toBe(before);
  });

  it("refuses callbacks from outside the allowlist for sandbox and production merchants", async () => {
    const sandbox = await startCollectionsWorld(db, { environment: "sandbox" });
    try {
      const path = `/api/mpesa/stk/${sandbox.merchant.id}/${sandbox.merchant.callbackSecret}`;
      const refused = await fetch(`${sandbox.appUrl}${path}`, {
        method: "POST",
        body: stkBody("ws_CO_y"),
        headers: { "x-test-ip": "203.0.113.9" },
      });
      expect(refused.status).toBe(403);
      const allowed = await fetch(`${sandbox.appUrl}${path}`, {
        method: "POST",
        body: stkBody("ws_CO_y"),
        headers: { "x-test-ip": "196.201.214.200" },
      });
      expect(await allowed.json()).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    } finally {
      await sandbox.close();
    }
  });

  it("stores and answers a malformed body, and flags it for review", async () => {
    const res = await post(
      `/api/mpesa/stk/${world.merchant.id}/${world.merchant.callbackSecret}`,
      "{not json",
    );
    expect(await res.json()).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    const entry = await waitUntil(
      () => db.callbackInbox.findFirstOrThrow({ where: { body: "{not json" } }),
      (e) => e.state === "dead",
    );
    expect(await db.reviewItem.findFirst({ where: { inboxId: entry.id } })).toMatchObject({
      kind: "malformed_callback",
    });
  });

  it("never settles anything for an unknown CheckoutRequestID; after a while it goes to review", async () => {
    const entry = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: stkBody("ws_CO_unknown"),
      sourceIp: null,
      headers: {},
    });
    expect(await processInboxEntry(db, { keyring: world.keyring, inboxId: entry.id })).toBe("retry");
    const later = () => new Date(Date.now() + UNKNOWN_CALLBACK_PATIENCE_MS + 1000);
    expect(await processInboxEntry(db, { keyring: world.keyring, inboxId: entry.id, now: later })).toBe(
      "dead",
    );
    expect(await db.reviewItem.findFirst({ where: { inboxId: entry.id } })).toMatchObject({
      kind: "unknown_callback",
    });
    expect(await db.payment.count({ where: { receipt: "FORGED0001" } })).toBe(0);
  });

  it("keeps the raw body on disk when the database is down, and moves it to the inbox later", async () => {
    const broken = new Proxy(db, {
      get(target, prop) {
        if (prop === "merchant" || prop === "callbackInbox") {
          return new Proxy({}, { get: () => () => Promise.reject(new Error("database unavailable")) });
        }
        return Reflect.get(target, prop);
      },
    });
    world.setAppDb(broken);
    forgetCallbackMerchants(); // a cold process: the secret cannot be checked without the database
    const body = stkBody("ws_CO_while_down");
    const res = await post(`/api/mpesa/stk/${world.merchant.id}/${world.merchant.callbackSecret}`, body);
    expect(await res.json()).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    const forged = await post(
      `/api/mpesa/stk/${world.merchant.id}/wrong-secret`,
      stkBody("ws_CO_forged_while_down"),
    );
    expect(forged.status).toBe(200); // cannot be checked while the database is down: checked on drain
    world.setAppDb(db);
    expect(await drainCallbackSpool(db, world.spoolDir)).toEqual({ moved: 1, setAside: 0 });
    expect(await db.callbackInbox.findFirst({ where: { externalId: "ws_CO_while_down" } })).toMatchObject({
      body,
    });
    expect(await db.callbackInbox.count({ where: { externalId: "ws_CO_forged_while_down" } })).toBe(0);
  });
});
