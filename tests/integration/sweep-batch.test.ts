// Issue 14: the reconciliation sweep follows its due payments up as a batch (one inbox check and
// one query-count update for the batch, one Daraja client per merchant, several at once) and still
// never decides one from a query while a stored callback for it waits.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { followUpStkPayment } from "@/lib/payments/collections/follow-up-stk-payment";
import { SANDBOX_STK_SHORTCODE } from "@/lib/payments/daraja/environments";
import type { PaymentsDeps } from "@/lib/payments/deps";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { stkSuccessCallback } from "@/lib/simulator/stk";
import { createPayment } from "../factories";
import { startCollectionsWorld } from "../support/collections";
import { withFailingTrigger } from "../support/failing-trigger";
import { testDb } from "./db";

const MINUTE = 60_000;

function successCallback(checkoutRequestId: string, amount: number, receipt: string) {
  return JSON.stringify(
    stkSuccessCallback({
      merchantRequestId: "m-1",
      checkoutRequestId,
      amount,
      receipt,
      phone: 254700000000,
      transactionDate: 20261203101010,
    }),
  );
}

describe("the sweep's batch follow-up", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  const stamp = Date.now();

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());

  const storeCallback = (checkoutRequestId: string, amount: number, receipt: string) =>
    recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: successCallback(checkoutRequestId, amount, receipt),
      sourceIp: "196.201.214.200",
      headers: {},
    });

  /** The simulator knows this prompt as answered: paid (0) or cancelled (1032). */
  function simulatorKnows(checkoutRequestId: string, resultCode: "0" | "1032", amount: number) {
    world.sim.state.prompts.set(checkoutRequestId, {
      checkoutRequestId,
      merchantRequestId: `m-${checkoutRequestId}`,
      msisdn: "254700000000",
      amount,
      shortcode: SANDBOX_STK_SHORTCODE,
      partyB: SANDBOX_STK_SHORTCODE,
      accountReference: "SWEEP",
      description: "Sweep",
      callbackUrl: "http://127.0.0.1:9/unused",
      createdAt: new Date(Date.now() - 5 * MINUTE),
      state: "done",
      resultCode,
      resultDesc:
        resultCode === "0" ? "The service request is processed successfully." : "Request cancelled by user.",
    });
  }

  /** `n` payments past their result window; the simulator has the prompts `known` picks as paid. */
  async function overduePayments(tag: string, n: number, known: (i: number) => boolean) {
    const payments = [];
    for (let i = 0; i < n; i++) {
      const checkoutRequestId = `ws_CO_${tag}_${stamp}_${i}`;
      if (known(i)) simulatorKnows(checkoutRequestId, "0", 100);
      payments.push(
        await createPayment(db, {
          merchantId: world.merchant.id,
          checkoutRequestId,
          createdAt: new Date(Date.now() - 5 * MINUTE),
        }),
      );
    }
    return payments;
  }

  it("decides each of many due payments once, counts one query each, and records one event each", async () => {
    const count = 40;
    const payments = [];
    for (let i = 0; i < count; i++) {
      const checkoutRequestId = `ws_CO_batch_${stamp}_${i}`;
      if (i % 4 !== 3) simulatorKnows(checkoutRequestId, i % 4 === 2 ? "1032" : "0", 100);
      payments.push(
        await createPayment(db, {
          merchantId: world.merchant.id,
          checkoutRequestId,
          createdAt: new Date(Date.now() - 5 * MINUTE),
        }),
      );
    }
    const counts = await reconcilePayments(db, world.deps, { spoolDir: world.spoolDir });
    expect(counts.queried).toBeGreaterThanOrEqual(count);
    const ids = payments.map((p) => p.id);
    const after = await db.payment.findMany({ where: { id: { in: ids } } });
    const by = (status: string) => after.filter((p) => p.status === status).length;
    expect([by("paid"), by("cancelled"), by("timed_out")]).toEqual([20, 10, 10]);
    expect(after.every((p) => p.queryCount === 1 && p.lastQueriedAt !== null)).toBe(true);
    const events = await db.event.groupBy({
      by: ["objectId"],
      where: { objectId: { in: ids } },
      _count: true,
    });
    expect(events).toHaveLength(count);
    expect(events.every((e) => e._count === 1)).toBe(true);
    // Every query is recorded once in daraja_calls (a handful's records written in one INSERT).
    expect(await queryRecords(payments)).toEqual(payments.map(() => 1));
    const recorded = await db.darajaCall.findFirstOrThrow({
      where: { externalId: payments[0]?.checkoutRequestId ?? "-" },
    });
    expect(recorded).toMatchObject({
      merchantId: world.merchant.id,
      method: "POST",
      path: "/mpesa/stkpushquery/v1/query",
      status: 200,
      error: null,
    });
    expect(JSON.stringify(recorded.requestBody)).toContain('"Password":"[redacted]"');
    const refused = await db.darajaCall.findFirstOrThrow({
      where: { externalId: payments[3]?.checkoutRequestId ?? "-" },
    });
    expect(refused.error).not.toBeNull(); // the simulator never saw it
  });

  /** How many daraja_calls records each payment's STK Query left. */
  async function queryRecords(payments: { checkoutRequestId: string | null }[]) {
    const rows = await db.darajaCall.groupBy({
      by: ["externalId"],
      where: {
        externalId: { in: payments.map((p) => p.checkoutRequestId ?? "-") },
        path: "/mpesa/stkpushquery/v1/query",
      },
      _count: true,
    });
    const by = new Map(rows.map((r) => [r.externalId, r._count]));
    return payments.map((p) => by.get(p.checkoutRequestId) ?? 0);
  }

  it("a payment whose decision fails does not hold back the others of its group", async () => {
    const payments = await overduePayments("poison", 10, () => true);
    const poisoned = payments[4]?.id ?? "";
    await withFailingTrigger(
      db,
      {
        name: "malipo_test_poison",
        table: "payments",
        event: "UPDATE",
        when: `NEW.id = '${poisoned}'::uuid AND NEW.status <> 'pending'`,
        message: "poisoned payment",
      },
      () =>
        expect(reconcilePayments(db, world.deps, { spoolDir: world.spoolDir })).rejects.toThrow(
          /poisoned payment/,
        ),
    );
    const after = await db.payment.findMany({ where: { id: { in: payments.map((p) => p.id) } } });
    expect(after.filter((p) => p.id !== poisoned).every((p) => p.status === "paid")).toBe(true);
    expect(after.find((p) => p.id === poisoned)?.status).toBe("pending");
    // The group's transaction rolled back with its records: they were written again on their own,
    // once each, before the payments were decided one by one.
    expect(await queryRecords(payments)).toEqual(payments.map(() => 1));
  });

  it("a call record PostgreSQL refuses does not hold back its handful's decisions", async () => {
    const payments = await overduePayments("badrecord", 6, () => true);
    const refused = payments[2]?.checkoutRequestId ?? "-";
    await withFailingTrigger(
      db,
      {
        name: "malipo_test_refuse_record",
        table: "daraja_calls",
        event: "INSERT",
        when: `NEW.external_id = '${refused}'`,
        message: "record refused",
      },
      () => reconcilePayments(db, world.deps, { spoolDir: world.spoolDir }),
    );
    const after = await db.payment.findMany({ where: { id: { in: payments.map((p) => p.id) } } });
    expect(after.every((p) => p.status === "paid")).toBe(true);
    // The others' records were kept, once each; only the refused one is missing.
    expect(await queryRecords(payments)).toEqual(
      payments.map((p) => (p.checkoutRequestId === refused ? 0 : 1)),
    );
  });

  it("two sweeps at once over the same payments decide each once, without deadlocking", async () => {
    const payments = await overduePayments("twice", 60, (i) => i % 2 === 0);
    await Promise.all([
      reconcilePayments(db, world.deps, { spoolDir: world.spoolDir }),
      reconcilePayments(db, world.deps, { spoolDir: world.spoolDir, followUpConcurrency: 2 }),
    ]);
    const ids = payments.map((p) => p.id);
    expect(await db.payment.count({ where: { id: { in: ids }, status: "pending" } })).toBe(0);
    const events = await db.event.groupBy({
      by: ["objectId"],
      where: { objectId: { in: ids } },
      _count: true,
    });
    expect(events).toHaveLength(ids.length);
    expect(events.every((e) => e._count === 1)).toBe(true);
  });

  it("processes a callback stored too recently for the inbox drain first, instead of timing out", async () => {
    const payment = await createPayment(db, {
      merchantId: world.merchant.id,
      checkoutRequestId: `ws_CO_fresh_${stamp}`,
      createdAt: new Date(Date.now() - 5 * MINUTE),
    });
    await storeCallback(payment.checkoutRequestId ?? "", payment.amount, "TSW0000001");
    const counts = await reconcilePayments(db, world.deps, { spoolDir: world.spoolDir });
    expect(counts.timedOut).toBe(0);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("paid");
    expect(await db.reviewItem.count({ where: { paymentId: payment.id, kind: "late_success" } })).toBe(0);
  });

  it("re-checks the inbox under the lock: a callback stored while its query was out is not overtaken", async () => {
    const payment = await createPayment(db, {
      merchantId: world.merchant.id,
      checkoutRequestId: `ws_CO_during_${stamp}`, // the simulator never saw it: the sweep would time it out
      createdAt: new Date(Date.now() - 5 * MINUTE),
    });
    let stored = false;
    const deps: PaymentsDeps = {
      ...world.deps,
      fetch: async (input, init) => {
        const body = typeof init?.body === "string" ? init.body : "";
        if (!stored && body.includes(payment.checkoutRequestId ?? "-")) {
          stored = true; // after the batch's inbox check, before the decision
          await storeCallback(payment.checkoutRequestId ?? "", payment.amount, "TSW0000002");
        }
        return fetch(input, init);
      },
    };
    const counts = await reconcilePayments(db, deps, { spoolDir: world.spoolDir });
    expect(stored).toBe(true);
    expect(counts.timedOut).toBe(0);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("pending");
    expect(await followUpStkPayment(db, world.deps, { paymentId: payment.id })).toBe("settled");
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("paid");
    expect(await db.reviewItem.count({ where: { paymentId: payment.id, kind: "late_success" } })).toBe(0);
  });
});
