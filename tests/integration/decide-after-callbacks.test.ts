// Issue 14: a sweep must never decide a payment (or payout) from a query while a callback for it
// is stored and waiting. In an outage drill the sweep marked 1,113 payments timed_out although
// their success callbacks were in the inbox; each then flipped to paid with a late_success item.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spoolCallback } from "@/lib/payments/callbacks/callback-spool";
import { processInboxEntry } from "@/lib/payments/callbacks/process-inbox-entry";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { followUpStkPayment } from "@/lib/payments/collections/follow-up-stk-payment";
import { followUpPayout, MAX_STATUS_QUERIES } from "@/lib/payments/payouts/follow-up-payout";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { stkSuccessCallback } from "@/lib/simulator/stk";
import { createPayment, createPayout } from "../factories";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { testDb } from "./db";

const MINUTE = 60_000;

let receipts = 0;
function successCallback(checkoutRequestId: string, amount: number) {
  receipts += 1;
  return JSON.stringify(
    stkSuccessCallback({
      merchantRequestId: "m-1",
      checkoutRequestId,
      amount,
      receipt: `TST${String(receipts).padStart(7, "0")}`,
      phone: 254700000000,
      transactionDate: 20261203101010,
    }),
  );
}

describe("nothing is decided from a query while a stored callback for it waits", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  let n = 0;

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());

  /** A payment past the result window whose STK Query finds nothing (the simulator never saw it). */
  async function overduePayment() {
    n += 1;
    return createPayment(db, {
      merchantId: world.merchant.id,
      checkoutRequestId: `ws_CO_decide_${n}_${Date.now()}`,
      createdAt: new Date(Date.now() - 5 * MINUTE),
    });
  }
  const storeCallback = (checkoutRequestId: string, amount: number) =>
    recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: successCallback(checkoutRequestId, amount),
      sourceIp: "196.201.214.200",
      headers: {},
    });
  const lateSuccesses = (paymentId: string) =>
    db.reviewItem.count({ where: { paymentId, kind: "late_success" } });

  it("processes the waiting callback first instead of timing the payment out", async () => {
    const payment = await overduePayment();
    const entry = await storeCallback(payment.checkoutRequestId ?? "", payment.amount);
    expect(await followUpStkPayment(db, world.deps, { paymentId: payment.id })).toBe("settled");
    const after = await db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(after.status).toBe("paid");
    expect(await lateSuccesses(payment.id)).toBe(0);
    expect((await db.callbackInbox.findUniqueOrThrow({ where: { id: entry.id } })).state).toBe("processed");
  });

  it("re-checks under the payment's lock: a callback stored while the follow-up waited is not overtaken", async () => {
    const payment = await overduePayment();
    let followUp: Promise<string> | undefined;
    await db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM payments WHERE id = ${payment.id}::uuid FOR UPDATE`;
        followUp = followUpStkPayment(db, world.deps, { paymentId: payment.id });
        // The follow-up has looked at the inbox (empty) and now waits for the row lock.
        await waitUntil(
          () => db.$queryRaw<{ n: number }[]>`
            SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND datname = current_database()`,
          (rows) => (rows[0]?.n ?? 0) > 0,
        );
        await storeCallback(payment.checkoutRequestId ?? "", payment.amount);
      },
      { timeout: 20_000 },
    );
    expect(await followUp).toBe("still_pending");
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("pending");
    // The next follow-up settles it from the callback.
    expect(await followUpStkPayment(db, world.deps, { paymentId: payment.id })).toBe("settled");
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("paid");
    expect(await lateSuccesses(payment.id)).toBe(0);
  });

  it("decides nothing while the spool holds callbacks not yet in the inbox", async () => {
    const payment = await overduePayment();
    spoolCallback(world.spoolDir, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: successCallback(payment.checkoutRequestId ?? "", payment.amount),
      sourceIp: "196.201.214.200",
      headers: {},
      receivedAt: new Date().toISOString(),
    });
    const options = { paymentId: payment.id, spoolDir: world.spoolDir };
    expect(await followUpStkPayment(db, world.deps, options)).toBe("still_pending");
    // The sweep moves the spool to the inbox, processes it, and only then follows payments up.
    const counts = await reconcilePayments(db, world.deps, { spoolDir: world.spoolDir });
    expect(counts.timedOut).toBe(0);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("paid");
    expect(await lateSuccesses(payment.id)).toBe(0);
  });

  it("the sweep settles every waiting callback before following payments up, past its old 200 a run", async () => {
    const count = 210;
    const stamp = Date.now();
    const rows = Array.from({ length: count }, (_, i) => ({
      merchantId: world.merchant.id,
      checkoutRequestId: `ws_CO_backlog_${stamp}_${i}`,
      amount: 100,
      phoneSealed: "not-sealed",
      phoneHash: `hash-backlog-${stamp}-${i}`,
      phoneMasked: "2547•••••000",
      reference: `BL-${i}`,
      createdAt: new Date(stamp - 5 * MINUTE),
    }));
    await db.payment.createMany({ data: rows });
    await db.callbackInbox.createMany({
      data: rows.map((r) => ({
        merchantId: world.merchant.id,
        kind: "stk" as const,
        body: successCallback(r.checkoutRequestId, r.amount),
        externalId: r.checkoutRequestId,
        receivedAt: new Date(stamp - MINUTE),
      })),
    });
    const counts = await reconcilePayments(db, world.deps, { spoolDir: world.spoolDir });
    expect(counts.inboxProcessed).toBe(count);
    expect(counts.inboxMore).toBe(false);
    expect(counts.timedOut).toBe(0);
    const ids = (await db.payment.findMany({ where: { reference: { startsWith: "BL-" } } })).map((p) => p.id);
    expect(await db.payment.count({ where: { id: { in: ids }, status: "paid" } })).toBe(count);
    expect(await db.reviewItem.count({ where: { paymentId: { in: ids }, kind: "late_success" } })).toBe(0);
  });

  it("does not hand a payout to a person while its Result waits in the inbox", async () => {
    const fixture = readFileSync("tests/fixtures/daraja/b2c_result-failure-2001-pesafy.json", "utf8");
    const ids = JSON.parse(fixture).Result as { OriginatorConversationID: string; ConversationID: string };
    const payout = await createPayout(db, {
      merchantId: world.merchant.id,
      status: "unknown",
      originatorConversationId: ids.OriginatorConversationID,
      conversationId: ids.ConversationID,
      submittedAt: new Date(Date.now() - 60 * MINUTE),
      statusQueryCount: MAX_STATUS_QUERIES,
      lastQueriedAt: new Date(Date.now() - 10 * MINUTE),
    });
    const entry = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "b2c_result",
      body: fixture,
      sourceIp: "196.201.214.200",
      headers: {},
    });
    expect(await followUpPayout(db, world.deps, { payoutId: payout.id })).toBe("settled");
    const after = await db.payout.findUniqueOrThrow({ where: { id: payout.id } });
    expect(after.status).toBe("failed");
    expect(await db.reviewItem.count({ where: { payoutId: payout.id } })).toBe(0);
    expect(await processInboxEntry(db, { keyring: world.keyring, inboxId: entry.id })).toBe("skipped");
  });
});
