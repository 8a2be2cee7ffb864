import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { makePullTransactions, makeSchedulePulls } from "@/inngest/functions/pull-transactions";
import { simulatorCredentials, upsertMpesaCredential } from "@/lib/merchants/mpesa-credentials";
import { registerC2bUrls } from "@/lib/merchants/register-c2b-urls";
import { createCheckoutSession } from "@/lib/payments/collections/create-checkout-session";
import { followUpStkPayment } from "@/lib/payments/collections/follow-up-stk-payment";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { matchMpesaRecords } from "@/lib/payments/reconciliation/match-mpesa-records";
import { pullTransactions } from "@/lib/payments/reconciliation/pull-transactions";
import { recordMpesaRecords } from "@/lib/payments/reconciliation/record-mpesa-records";
import { generateApiKey } from "@/lib/security/api-keys";
import { API_SCOPE_NAMES } from "@/lib/security/api-scopes";
import { createMerchant } from "../factories";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const appKeyring = stubAppEnv(testDatabaseUrl());

describe("Pull Transactions: M-Pesa's own record recovers what Malipo never heard", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  const deps = () => ({ ...world.deps, db });
  const pull = () =>
    pullTransactions(deps(), {
      merchantId: world.merchant.id,
      from: new Date(Date.now() - 3_600_000),
      to: new Date(),
    });
  const pay = (phone: string, amount: number, reference: string) =>
    initiateStkPayment(db, world.deps, { merchantId: world.merchant.id, amount, phone, reference });
  const payment = (id: string) => db.payment.findUniqueOrThrow({ where: { id } });
  /** The simulator completed the payment; its callback was dropped. */
  const completedAtMpesa = (checkoutRequestId: string | null) =>
    waitUntil(
      () => world.control("GET", "/sim/state") as Promise<{ deliveries: { body: unknown }[] }>,
      (state) => JSON.stringify(state.deliveries).includes(checkoutRequestId ?? "none"),
    );

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    await registerC2bUrls(db, world.deps, { merchantId: world.merchant.id });
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
  });

  it("recovers an STK payment whose callback was dropped: paid, with its receipt from the pull", async () => {
    await world.control("POST", "/sim/faults", { drop: true });
    const started = await pay("254700000000", 120, "PULL-1");
    await completedAtMpesa(started.checkoutRequestId);
    expect((await payment(started.id)).status).toBe("pending");

    const counts = await pull();
    const done = await payment(started.id);
    expect(done).toMatchObject({ status: "paid", receiptSource: "pull", paidAmount: 120 });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(done.payerPhoneMasked).toBe("2547•••••000");
    expect(counts.recovered).toBeGreaterThanOrEqual(1);
    const record = await db.mpesaRecord.findFirstOrThrow({ where: { receipt: done.receipt ?? "" } });
    expect(record).toMatchObject({
      paymentId: started.id,
      source: "pull",
      confirmedBy: ["pull"],
      direction: "in",
      amountCents: 12_000n,
      otherParty: "2547•••••000",
      accountReference: "PULL-1",
    });
    expect(
      await db.mpesaCredential.findFirstOrThrow({ where: { merchantId: world.merchant.id } }),
    ).toMatchObject({
      pullRegisteredAt: expect.any(Date),
      pulledUntil: null,
    });
    expect(
      await db.reconciliationRun.findFirst({ where: { merchantId: world.merchant.id, kind: "pull" } }),
    ).toMatchObject({ windowStart: expect.any(Date), finishedAt: expect.any(Date), error: null });
  });

  it("completes a payment settled by STK Query without a receipt: receipt and payer from the pull", async () => {
    await world.control("POST", "/sim/faults", { drop: true });
    const started = await pay("254700000000", 130, "PULL-2");
    await completedAtMpesa(started.checkoutRequestId);
    expect(await followUpStkPayment(db, world.deps, { paymentId: started.id })).toBe("settled");
    expect(await payment(started.id)).toMatchObject({ status: "paid", receipt: null, receiptSource: null });

    const counts = await pull();
    expect(counts.receiptsCompleted).toBe(1);
    const done = await payment(started.id);
    expect(done).toMatchObject({ status: "paid", receiptSource: "pull", payerPhoneMasked: "2547•••••000" });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
  });

  it("settles a timed-out payment M-Pesa shows paid, flagged as a late success", async () => {
    await world.control("POST", "/sim/faults", { drop: true });
    const started = await pay("0712 111 333", 140, "PULL-3");
    const later = { ...world.deps, now: () => new Date(Date.now() + 4 * 60_000) };
    expect(await followUpStkPayment(db, later, { paymentId: started.id })).toBe("timed_out");
    await world.control("POST", `/sim/prompts/${started.checkoutRequestId}/accept`, { pin: "1234" });
    await completedAtMpesa(started.checkoutRequestId);

    await pull();
    expect(await payment(started.id)).toMatchObject({ status: "paid", receiptSource: "pull" });
    expect(await db.reviewItem.findFirst({ where: { paymentId: started.id } })).toMatchObject({
      kind: "late_success",
    });
  });

  it("recovers paybill payments made while the confirmation was lost, matched or put in review", async () => {
    const session = await createCheckoutSession(db, {
      merchantId: world.merchant.id,
      amount: 450,
      reference: "PB-450",
      expiresInMinutes: 60,
    });
    await world.control("POST", "/sim/faults", { drop: true });
    const matched = (await world.control("POST", "/sim/c2b/pay", {
      shortcode: "600000",
      phone: "254712000901",
      amount: 450,
      account: "PB-450",
    })) as { transId: string };
    expect(await db.c2bTransaction.findUnique({ where: { transId: matched.transId } })).toBeNull();

    await pull();
    expect(await db.c2bTransaction.findUniqueOrThrow({ where: { transId: matched.transId } })).toMatchObject({
      source: "pull",
      matched: true,
      checkoutSessionId: session.id,
      amount: 450,
      billRefNumber: "PB-450",
    });
    expect(await db.checkoutSession.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({
      status: "paid",
    });
  });

  it("puts a recovered paybill payment matching no checkout in review", async () => {
    await world.control("POST", "/sim/faults", { drop: true });
    // Registered validation accepts only known references, so pay a till-less paybill with URLs unset.
    await world.control("POST", "/sim/reset");
    const unknown = (await world.control("POST", "/sim/c2b/pay", {
      shortcode: "600000",
      phone: "254712000902",
      amount: 77,
      account: "NOBODY",
    })) as { transId: string };
    const counts = await pull();
    const tx = await db.c2bTransaction.findUniqueOrThrow({ where: { transId: unknown.transId } });
    expect(tx).toMatchObject({ source: "pull", matched: false });
    expect(counts.opened.unmatched_c2b).toBe(1);
    expect(await db.reviewItem.findFirst({ where: { c2bTransactionId: tx.id } })).toMatchObject({
      kind: "unmatched_c2b",
    });
  });

  it("pulling the same window twice changes nothing", async () => {
    const from = new Date(Date.now() - 3_600_000);
    const to = new Date();
    await pullTransactions(deps(), { merchantId: world.merchant.id, from, to });
    const snapshot = async () => ({
      records: await db.mpesaRecord.findMany({
        where: { merchantId: world.merchant.id },
        orderBy: { id: "asc" },
      }),
      items: await db.reviewItem.count({ where: { merchantId: world.merchant.id } }),
      c2b: await db.c2bTransaction.count({ where: { merchantId: world.merchant.id } }),
      payments: await db.payment.findMany({
        where: { merchantId: world.merchant.id },
        orderBy: { id: "asc" },
      }),
    });
    const before = await snapshot();
    const again = await pullTransactions(deps(), { merchantId: world.merchant.id, from, to });
    expect(again).toMatchObject({
      newRecords: 0,
      matched: 0,
      recovered: 0,
      receiptsCompleted: 0,
      opened: {},
    });
    expect(again.duplicates).toBe(again.rows);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a window older than Daraja keeps", async () => {
    await expect(
      pullTransactions(deps(), {
        merchantId: world.merchant.id,
        from: new Date(Date.now() - 72 * 3_600_000),
        to: new Date(Date.now() - 60 * 3_600_000),
      }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("a scheduled pull moves pulledUntil forward", async () => {
    const counts = await pullTransactions(deps(), { merchantId: world.merchant.id });
    const credential = await db.mpesaCredential.findFirstOrThrow({
      where: { merchantId: world.merchant.id },
    });
    expect(credential.pulledUntil?.toISOString()).toBe(counts.windowEnd);
  });

  describe("records from a statement (the functions statement import reuses)", () => {
    const line = (
      receipt: string,
      extra: Partial<Parameters<typeof recordMpesaRecords>[1]["lines"][number]>,
    ) => ({
      receipt,
      entry: "principal" as const,
      direction: "in" as const,
      amountCents: 10_000n,
      completedAt: new Date(Date.now() - 30 * 60_000),
      ...extra,
    });
    const store = (lines: Parameters<typeof recordMpesaRecords>[1]["lines"]) =>
      recordMpesaRecords(db, {
        merchantId: world.merchant.id,
        environment: "simulator",
        source: "statement",
        lines,
      });

    it("opens not_in_malipo for money matching nothing, once", async () => {
      const stored = await store([
        line("STMOUT0001", { direction: "out", amountCents: 5_050n, otherParty: "254712345678 - Jane Doe" }),
        line("STMIN00001", {
          details: "Funds transfer from 600111 - Other Org",
          otherParty: "600111 - Other Org",
        }),
      ]);
      expect(stored).toMatchObject({ duplicates: 0 });
      expect(stored.insertedIds).toHaveLength(2);
      const out = await db.mpesaRecord.findFirstOrThrow({ where: { receipt: "STMOUT0001" } });
      expect(out.otherParty).toBe("2547•••••678 - Jane Doe");
      const counts = await matchMpesaRecords(deps(), {
        merchantId: world.merchant.id,
        recordIds: stored.insertedIds,
      });
      expect(counts).toMatchObject({ matched: 0, opened: { not_in_malipo: 2 } });
      const again = await matchMpesaRecords(deps(), {
        merchantId: world.merchant.id,
        recordIds: stored.insertedIds,
      });
      expect(again.opened).toEqual({});
      expect(await db.reviewItem.count({ where: { mpesaRecordId: { in: stored.insertedIds } } })).toBe(2);
    });

    it("re-recording from the same source changes nothing; the other source only confirms", async () => {
      const first = await store([line("STMDUP0001", {})]);
      expect(first.insertedIds).toHaveLength(1);
      expect(await store([line("STMDUP0001", {}), line("STMDUP0001", {})])).toEqual({
        insertedIds: [],
        duplicates: 2,
      });
      const pulled = await recordMpesaRecords(db, {
        merchantId: world.merchant.id,
        environment: "simulator",
        source: "pull",
        lines: [line("STMDUP0001", {})],
      });
      expect(pulled).toEqual({ insertedIds: [], duplicates: 1 });
      expect(await db.mpesaRecord.findFirstOrThrow({ where: { receipt: "STMDUP0001" } })).toMatchObject({
        source: "statement",
        confirmedBy: ["statement", "pull"],
      });
    });

    it("matches by receipt and flags an amount difference", async () => {
      const paid = await db.payment.findFirstOrThrow({
        where: { merchantId: world.merchant.id, status: "paid", receipt: { not: null } },
      });
      const other = await db.mpesaRecord.findFirst({ where: { receipt: paid.receipt ?? "" } });
      if (other) await db.mpesaRecord.delete({ where: { id: other.id } });
      const stored = await store([line(paid.receipt ?? "", { amountCents: 99_999n })]);
      const counts = await matchMpesaRecords(deps(), {
        merchantId: world.merchant.id,
        recordIds: stored.insertedIds,
      });
      expect(counts).toMatchObject({ matched: 1, opened: { record_amount_mismatch: 1 } });
      expect(
        await db.reviewItem.findFirst({ where: { kind: "record_amount_mismatch", paymentId: paid.id } }),
      ).toBeTruthy();
    });
  });

  it("opens not_in_mpesa for a paid payment M-Pesa's record does not show", async () => {
    const started = await pay("254700000000", 160, "PULL-9");
    await waitUntil(
      () => payment(started.id),
      (p) => p.status === "paid",
    );
    await db.payment.update({
      where: { id: started.id },
      data: { receipt: "NOTATMPESA", settledAt: new Date(Date.now() - 20 * 60_000) },
    });
    const counts = await pull();
    expect(counts.missingAtMpesa.payments).toBe(1);
    expect(await db.reviewItem.findFirst({ where: { paymentId: started.id } })).toMatchObject({
      kind: "not_in_mpesa",
    });
    expect((await pull()).missingAtMpesa.payments).toBe(0);
  });

  describe("the pull-transactions Inngest functions", () => {
    const inngest = new Inngest({ id: "malipo-test", isDev: true });
    const context = () => ({ db, deps: world.deps, spoolDir: world.spoolDir });

    it("schedule-pull-transactions asks for one pull per merchant with credentials", async () => {
      const t = new InngestTestEngine({ function: makeSchedulePulls(inngest, context) });
      // The events are captured, not sent: there is no Inngest server in tests.
      const sent: unknown[] = [];
      const { result } = await t.execute({
        events: [{ name: "inngest/scheduled.timer", data: {} }],
        steps: [{ id: "request-pulls", handler: () => sent.push("sent") }],
      });
      expect((result as { merchants: number }).merchants).toBeGreaterThanOrEqual(1);
      expect(sent).toHaveLength(1);
      const { findMerchantsToPull } = await import("@/lib/payments/reconciliation/find-merchants-to-pull");
      expect(await findMerchantsToPull(db)).toContainEqual({ merchantId: world.merchant.id });
    });

    it("pull-transactions pulls one merchant's record and recovers a dropped callback", async () => {
      await world.control("POST", "/sim/faults", { drop: true });
      const started = await pay("254700000000", 170, "INN-PULL");
      await completedAtMpesa(started.checkoutRequestId);
      const t = new InngestTestEngine({ function: makePullTransactions(inngest, context) });
      const { result } = await t.execute({
        events: [{ name: "malipo/pull.requested", data: { merchantId: world.merchant.id } }],
      });
      expect(result).toMatchObject({ recovered: 1 });
      expect(await payment(started.id)).toMatchObject({ status: "paid", receiptSource: "pull" });
    });
  });

  describe("POST /api/v1/reconciliation/pull", () => {
    const keys: Record<"a" | "b", string> = { a: "", b: "" };
    const merchants: Record<"a" | "b", string> = { a: "", b: "" };
    beforeAll(async () => {
      vi.stubEnv("MPESA_BASE_URL", world.sim.url);
      vi.stubEnv("APP_URL", world.appUrl);
      for (const name of ["a", "b"] as const) {
        const merchant = await createMerchant(db, { environment: "simulator" });
        await upsertMpesaCredential(
          db,
          appKeyring,
          merchant.id,
          simulatorCredentials(world.sim.certificatePem),
        );
        const key = generateApiKey("simulator");
        await db.apiKey.create({
          data: {
            merchantId: merchant.id,
            name,
            prefix: key.prefix,
            hash: key.hash,
            scopes: API_SCOPE_NAMES,
          },
        });
        keys[name] = key.key;
        merchants[name] = merchant.id;
      }
    });
    const post = async (key: string | null, body?: unknown) => {
      const { POST } = await import("@/app/api/v1/reconciliation/pull/route");
      return POST(
        new Request("http://localhost/api/v1/reconciliation/pull", {
          method: "POST",
          headers: { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        }),
        { params: Promise.resolve({}) },
      );
    };

    it("pulls only for the calling merchant: another merchant's key never settles its payments", async () => {
      await world.control("POST", "/sim/faults", { drop: true });
      const started = await initiateStkPayment(
        db,
        { ...world.deps, keyring: appKeyring },
        {
          merchantId: merchants.a,
          amount: 180,
          phone: "254700000000",
          reference: "API-A",
        },
      );
      await completedAtMpesa(started.checkoutRequestId);
      const window = { from: new Date(Date.now() - 600_000).toISOString(), to: new Date().toISOString() };

      expect((await post(null, window)).status).toBe(401);
      const asB = await post(keys.b, window);
      expect(asB.status).toBe(200);
      expect(await payment(started.id)).toMatchObject({ status: "pending" });
      expect(await db.mpesaRecord.count({ where: { merchantId: merchants.a } })).toBe(0);
      expect(
        await db.auditLog.findFirst({ where: { merchantId: merchants.b, action: "reconciliation.pulled" } }),
      ).toBeTruthy();

      const asA = await post(keys.a, window);
      expect(asA.status).toBe(200);
      expect(await asA.json()).toMatchObject({ object: "reconciliation_pull", recovered: 1 });
      expect(await payment(started.id)).toMatchObject({ status: "paid", receiptSource: "pull" });
    });

    it("refuses a malformed window with 422", async () => {
      const res = await post(keys.a, { from: "yesterday" });
      expect(res.status).toBe(422);
      const older = await post(keys.a, {
        from: new Date(Date.now() - 80 * 3_600_000).toISOString(),
        to: new Date(Date.now() - 70 * 3_600_000).toISOString(),
      });
      expect(older.status).toBe(422);
    });
  });
});
