// Sending approved payouts to Daraja exactly once and settling them, against the simulator and
// the real database: Results through the callback inbox, queue timeouts and lost Results resolved
// by Transaction Status, never by sending again.
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeFollowUpPayout } from "@/inngest/functions/follow-up-payout";
import { makeSubmitPayout } from "@/inngest/functions/submit-payout";
import type { BackgroundContext } from "@/lib/background/context";
import { processInboxEntry } from "@/lib/payments/callbacks/process-inbox-entry";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { parseResult } from "@/lib/payments/daraja/inbound";
import type { PaymentsDeps } from "@/lib/payments/deps";
import {
  FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS,
  followUpPayout,
  LAST_ANSWER_WAIT_MS,
  MAX_STATUS_QUERIES,
  PAYOUT_RESULT_WINDOW_MS,
} from "@/lib/payments/payouts/follow-up-payout";
import { NO_ANSWER_CODE } from "@/lib/payments/payouts/record-payout-outcome";
import { settlePayoutResult } from "@/lib/payments/payouts/settle-payout-result";
import { submitPayout } from "@/lib/payments/payouts/submit-payout";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { createMerchant, createPayout } from "../factories";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { testDb } from "./db";

describe("submitting payouts to Daraja and settling them, against the simulator", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
    world.sim.settings.initiatorPassword = "Safaricom999!*!";
    world.sim.state.orgs.delete("600000");
  });

  const payout = (overrides: Partial<Parameters<typeof createPayout>[1]> = {}) =>
    createPayout(db, { merchantId: world.merchant.id, keyring: world.deps.keyring, ...overrides });
  const reload = (id: string) => db.payout.findUniqueOrThrow({ where: { id } });
  const settled = (id: string, statuses = ["paid", "failed", "needs_review"]) =>
    waitUntil(
      () => reload(id),
      (p) => statuses.includes(p.status),
    );
  /** Payments the simulator really made for this originator id (its ledger, not our records). */
  const simPayments = (originatorConversationId: string | null) =>
    [...world.sim.state.transactions.values()].filter(
      (t) => t.originatorConversationId === originatorConversationId,
    );
  const b2cCalls = () =>
    db.darajaCall.count({ where: { merchantId: world.merchant.id, path: "/mpesa/b2c/v3/paymentrequest" } });
  /** The deps with the clock moved forward, for windows and back-offs. */
  const later = (ms: number): PaymentsDeps => ({ ...world.deps, now: () => new Date(Date.now() + ms) });

  it("pays a B2C payout end to end: receipt, the recipient's registered name, completion time", async () => {
    const p = await payout({ phone: "254712345678", amount: 150, command: "SalaryPayment" });
    const sent = await submitPayout(db, world.deps, { payoutId: p.id });
    expect(sent.outcome).toBe("submitted");
    if (sent.outcome !== "submitted") return;
    expect(sent.payout.originatorConversationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.payout.conversationId).toMatch(/^AG_/);
    expect(sent.payout.submittedAt).toBeInstanceOf(Date);
    const done = await settled(p.id);
    expect(done).toMatchObject({
      status: "paid",
      resultCode: "0",
      resultDesc: "Paid.",
      recipientName: "CUSTOMER 678",
    });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(Math.abs((done.completedAt?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(done.resultParameters).toMatchObject({ source: "result", B2CRecipientIsRegisteredCustomer: "Y" });
    expect(JSON.stringify(done.resultParameters)).not.toContain("254712345678");
    expect(JSON.stringify(done.resultParameters)).toContain("B2CUtilityAccountAvailableFunds");
    expect(simPayments(done.originatorConversationId)).toHaveLength(1);
  });

  it("pays a B2B paybill payout; Daraja's B2B takes no OriginatorConversationID, so its answer's is kept", async () => {
    const p = await payout({
      kind: "b2b",
      command: "BusinessPayBill",
      amount: 500,
      recipientShortcode: "600222",
    });
    const claimId = p.originatorConversationId;
    const sent = await submitPayout(db, world.deps, { payoutId: p.id });
    expect(sent.outcome).toBe("submitted");
    const done = await settled(p.id);
    expect(done).toMatchObject({ status: "paid", resultCode: "0", recipientName: "Simulated Business" });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(done.originatorConversationId).not.toBe(claimId);
    const [tx] = simPayments(done.originatorConversationId);
    expect(tx).toMatchObject({ kind: "b2b", amount: 500, receipt: done.receipt });
  });

  it("fails in plain words when the paying account has too little money", async () => {
    world.sim.state.orgs.set("600000", {
      shortcode: "600000",
      utilityCents: 50_00,
      workingCents: 0,
      chargesCents: 0,
    });
    const p = await payout({ amount: 100 });
    await submitPayout(db, world.deps, { payoutId: p.id });
    const done = await settled(p.id);
    expect(done).toMatchObject({ status: "failed", resultCode: "1", receipt: null });
    expect(done.resultDesc).toMatch(/Not enough money/);
  });

  it("fails with a clear word about the initiator when its password is wrong (2001)", async () => {
    world.sim.settings.initiatorPassword = "not-what-malipo-has";
    const p = await payout();
    await submitPayout(db, world.deps, { payoutId: p.id });
    const done = await settled(p.id);
    expect(done).toMatchObject({ status: "failed", resultCode: "2001" });
    expect(done.resultDesc).toBe("The initiator name or password is wrong: check Settings → M-Pesa.");
  });

  it("fails when the recipient is not a registered M-Pesa customer (2040, the simulator's magic number)", async () => {
    const p = await payout({ phone: "254700002040" });
    await submitPayout(db, world.deps, { payoutId: p.id });
    const done = await settled(p.id);
    expect(done).toMatchObject({ status: "failed", resultCode: "2040" });
    expect(done.resultDesc).toMatch(/not a registered M-Pesa customer/);
  });

  it("a queue timeout makes the payout unknown; Transaction Status then settles it paid, with one payment only", async () => {
    // The simulator's queueTimeout fault still executes the payment and sends only the timeout.
    await world.control("POST", "/sim/faults", { queueTimeout: true, times: 1 });
    const callsBefore = await b2cCalls();
    const p = await payout({ amount: 120 });
    await submitPayout(db, world.deps, { payoutId: p.id });
    const unknown = await settled(p.id, ["unknown"]);
    expect(unknown.resultDesc).toMatch(/queue timed out/);
    expect(unknown.lastQueriedAt).toBeNull();
    // Unknown payouts are queried at once (no result window).
    expect(await followUpPayout(db, world.deps, { payoutId: p.id })).toBe("queried");
    const done = await settled(p.id);
    expect(done).toMatchObject({ status: "paid", statusQueryCount: 1 });
    expect(done.resultParameters).toMatchObject({ source: "status", TransactionStatus: "Completed" });
    const payments = simPayments(done.originatorConversationId);
    expect(payments).toHaveLength(1);
    expect(done.receipt).toBe(payments[0]?.receipt);
    expect(await b2cCalls()).toBe(callsBefore + 1);
    // A second submission of the same payout sends nothing.
    expect(await submitPayout(db, world.deps, { payoutId: p.id })).toEqual({
      outcome: "skipped",
      status: "paid",
    });
  });

  it("a lost Result is resolved by Transaction Status after the window, with no second send", async () => {
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const callsBefore = await b2cCalls();
    const p = await payout({ amount: 130 });
    await submitPayout(db, world.deps, { payoutId: p.id });
    await new Promise((r) => setTimeout(r, 200));
    expect((await reload(p.id)).status).toBe("submitted");
    expect(await followUpPayout(db, world.deps, { payoutId: p.id })).toBe("waiting");
    expect(await followUpPayout(db, later(PAYOUT_RESULT_WINDOW_MS + 1_000), { payoutId: p.id })).toBe(
      "queried",
    );
    const done = await settled(p.id);
    expect(done.status).toBe("paid");
    expect(simPayments(done.originatorConversationId)).toHaveLength(1);
    expect(await b2cCalls()).toBe(callsBefore + 1);
  });

  it("a crash between the B2C call and recording its answer does not pay twice", async () => {
    // How the crash is simulated: submitPayout's `afterSend` hook runs after Daraja accepted the
    // request (the simulator has the payment) and before the answer is written; throwing there
    // leaves the database exactly as a process killed at that moment would. The Result is
    // dropped too (fault drop), so only Transaction Status can tell what happened.
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const callsBefore = await b2cCalls();
    const p = await payout({ amount: 140 });
    await expect(
      submitPayout(db, world.deps, {
        payoutId: p.id,
        afterSend: () => {
          throw new Error("process killed");
        },
      }),
    ).rejects.toThrow("process killed");
    const afterCrash = await reload(p.id);
    expect(afterCrash).toMatchObject({ status: "submitted", conversationId: null });
    // The restart, a retry, a duplicate event: none of them sends it again.
    expect(await submitPayout(db, world.deps, { payoutId: p.id })).toEqual({
      outcome: "skipped",
      status: "submitted",
    });
    await waitUntil(
      async () => simPayments(afterCrash.originatorConversationId).length,
      (n) => n === 1,
    );
    expect(await followUpPayout(db, later(PAYOUT_RESULT_WINDOW_MS + 1_000), { payoutId: p.id })).toBe(
      "queried",
    );
    const done = await settled(p.id);
    expect(done.status).toBe("paid");
    expect(simPayments(done.originatorConversationId)).toHaveLength(1);
    expect(await b2cCalls()).toBe(callsBefore + 1);
  });

  it("sends a payout once when five submissions race, and never again afterwards", async () => {
    const callsBefore = await b2cCalls();
    const p = await payout({ amount: 160 });
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => submitPayout(db, world.deps, { payoutId: p.id })),
    );
    expect(outcomes.filter((o) => o.outcome === "submitted")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "skipped")).toHaveLength(4);
    const done = await settled(p.id);
    expect(done.status).toBe("paid");
    expect(await submitPayout(db, world.deps, { payoutId: p.id })).toMatchObject({ outcome: "skipped" });
    expect(simPayments(done.originatorConversationId)).toHaveLength(1);
    expect(await b2cCalls()).toBe(callsBefore + 1);
  });

  it("settles once when the same Result arrives five times at once", async () => {
    // End to end: the simulator delivers the Result five times concurrently to the callback route.
    await world.control("POST", "/sim/faults", { duplicates: 4, concurrent: true, times: 1 });
    const p = await payout({ amount: 170 });
    await submitPayout(db, world.deps, { payoutId: p.id });
    const done = await settled(p.id);
    const entries = await waitUntil(
      () =>
        db.callbackInbox.findMany({
          where: {
            merchantId: world.merchant.id,
            kind: "b2c_result",
            externalId: done.originatorConversationId,
          },
        }),
      (list) => list.length === 5 && list.every((e) => e.state === "processed"),
    );
    expect(entries).toHaveLength(5);
    expect(done.status).toBe("paid");

    // And directly: five concurrent settlements of one Result apply it exactly once.
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const q = await payout({ amount: 180 });
    await submitPayout(db, world.deps, { payoutId: q.id });
    const submitted = await reload(q.id);
    const dropped = await waitUntil(
      async () =>
        world.sim.state.deliveries.find(
          (d) =>
            d.error === "dropped (fault)" &&
            (d.body as { Result?: { OriginatorConversationID?: string } }).Result
              ?.OriginatorConversationID === submitted.originatorConversationId,
        ),
      (d) => d !== undefined,
    );
    const parsed = parseResult(dropped?.body);
    if (!parsed.ok) throw new Error(parsed.error);
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        settlePayoutResult(db, { merchantId: world.merchant.id, result: parsed.value }),
      ),
    );
    expect(results.filter((r) => r.outcome === "applied")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "already_final")).toHaveLength(4);
    const paid = await reload(q.id);
    expect(paid.status).toBe("paid");
    // A Result for another merchant's payout settles nothing.
    const other = await createPayout(db, { merchantId: (await createMerchant(db)).id });
    expect(await settlePayoutResult(db, { merchantId: other.merchantId, result: parsed.value })).toEqual({
      outcome: "unknown_payout",
    });
  });

  it("a success for a different amount goes to review, not paid", async () => {
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const p = await payout({ amount: 190 });
    const sent = await submitPayout(db, world.deps, { payoutId: p.id });
    if (sent.outcome !== "submitted") throw new Error(sent.outcome);
    const body = {
      Result: {
        ResultType: 0,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        OriginatorConversationID: sent.payout.originatorConversationId,
        ConversationID: sent.payout.conversationId,
        TransactionID: "SIM1234XYZ",
        ResultParameters: { ResultParameter: [{ Key: "TransactionAmount", Value: 19 }] },
      },
    };
    const entry = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "b2c_result",
      body: JSON.stringify(body),
      sourceIp: null,
      headers: {},
    });
    expect(await processInboxEntry(db, { keyring: world.deps.keyring, inboxId: entry.id })).toBe("processed");
    const done = await reload(p.id);
    expect(done).toMatchObject({ status: "needs_review", receipt: "SIM1234XYZ" });
    const review = await db.reviewItem.findFirstOrThrow({
      where: { merchantId: world.merchant.id, inboxId: entry.id },
    });
    expect(review).toMatchObject({
      kind: "amount_mismatch",
      payoutId: p.id,
      expected: { payoutId: p.id, amount: 190 },
      actual: { amount: 19 },
    });
  });

  it("a payout M-Pesa never heard of goes to review after the last status query, never re-sent", async () => {
    // The claim was committed and the process died before calling Daraja: nothing to find.
    const p = await payout({
      status: "submitted",
      originatorConversationId: crypto.randomUUID(),
      submittedAt: new Date(Date.now() - 10 * 60_000),
    });
    const callsBefore = await b2cCalls();
    const statusAnswers = () =>
      db.callbackInbox.count({
        where: { merchantId: world.merchant.id, kind: "status_result", state: "processed" },
      });
    const answersBefore = await statusAnswers();
    let clock = 0;
    for (let i = 0; i < MAX_STATUS_QUERIES; i += 1) {
      clock += 10 * 60_000;
      expect(await followUpPayout(db, later(clock), { payoutId: p.id })).toBe("queried");
      // The simulator answers "no such transaction" (1): that settles nothing either way.
      await waitUntil(statusAnswers, (n) => n === answersBefore + i + 1);
    }
    expect(await followUpPayout(db, later(clock + 1_000), { payoutId: p.id })).toBe("waiting");
    expect(await followUpPayout(db, later(clock + LAST_ANSWER_WAIT_MS + 1_000), { payoutId: p.id })).toBe(
      "gave_up",
    );
    const done = await reload(p.id);
    expect(done).toMatchObject({
      status: "needs_review",
      resultCode: NO_ANSWER_CODE,
      statusQueryCount: MAX_STATUS_QUERIES,
    });
    // A person sees it among the review items, once however often the follow-up runs.
    expect(await followUpPayout(db, later(clock + LAST_ANSWER_WAIT_MS + 2_000), { payoutId: p.id })).toBe(
      "settled",
    );
    const items = await db.reviewItem.findMany({ where: { payoutId: p.id } });
    expect(items).toEqual([
      expect.objectContaining({ kind: "payout_unresolved", merchantId: world.merchant.id, status: "open" }),
    ]);
    expect(await b2cCalls()).toBe(callsBefore);
  });

  it("does not send a payout that is not approved, and fails one whose environment changed", async () => {
    const pending = await payout({ status: "pending_approval" });
    expect(await submitPayout(db, world.deps, { payoutId: pending.id })).toEqual({
      outcome: "skipped",
      status: "pending_approval",
    });
    const elsewhere = await payout({ environment: "sandbox" });
    const result = await submitPayout(db, world.deps, { payoutId: elsewhere.id });
    expect(result.outcome).toBe("failed");
    expect(await reload(elsewhere.id)).toMatchObject({
      status: "failed",
      resultCode: "malipo.environment_changed",
    });
    expect(
      await submitPayout(db, world.deps, { payoutId: pending.id, merchantId: crypto.randomUUID() }),
    ).toEqual({
      outcome: "skipped",
      status: "not_found",
    });
  });
});

describe("payout background work: Inngest functions (@inngest/test) and reconciliation", () => {
  const db = testDb();
  const inngest = new Inngest({ id: "malipo-test", isDev: true });
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  let context: BackgroundContext;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    context = { db, deps: world.deps, spoolDir: world.spoolDir };
  });
  afterAll(() => world.close());
  afterEach(() => world.control("DELETE", "/sim/faults"));

  it("submit-payout declares the configured throttle and a second's worth in flight, per merchant", () => {
    const fn = makeSubmitPayout(inngest, () => context, { perSecond: 3 });
    expect(fn.opts.concurrency).toEqual({ key: "event.data.merchantId", limit: 3 });
    expect(fn.opts.throttle).toEqual({ key: "event.data.merchantId", limit: 3, period: "1s" });
    expect(makeSubmitPayout(inngest, () => context).opts.throttle).toMatchObject({ limit: 2 });
  });

  it("submit-payout sends the payout through the core once and starts its follow-up", async () => {
    const p = await createPayout(db, {
      merchantId: world.merchant.id,
      keyring: world.deps.keyring,
      amount: 210,
    });
    const t = new InngestTestEngine({ function: makeSubmitPayout(inngest, () => context) });
    const event = { name: "malipo/payout.approved", data: { payoutId: p.id, merchantId: world.merchant.id } };
    // The follow-up event is mocked by step id: @inngest/test would otherwise send it to a dev server.
    const steps = () => [{ id: "follow-up", handler: () => ({ ids: [] }) }];
    const { result, ctx } = await t.execute({ events: [event], steps: steps() });
    expect(result).toEqual({ outcome: "submitted", status: "submitted" });
    expect(ctx.step.sendEvent).toHaveBeenCalledWith("follow-up", {
      name: "malipo/payout.submitted",
      data: { payoutId: p.id, merchantId: world.merchant.id },
    });
    // A duplicate event sends nothing more.
    const again = await new InngestTestEngine({ function: makeSubmitPayout(inngest, () => context) }).execute(
      {
        events: [event],
        steps: steps(),
      },
    );
    expect(again.result).toMatchObject({ outcome: "skipped" });
    const done = await waitUntil(
      () => db.payout.findUniqueOrThrow({ where: { id: p.id } }),
      (x) => x.status === "paid",
    );
    expect(
      [...world.sim.state.transactions.values()].filter(
        (tx) => tx.originatorConversationId === done.originatorConversationId,
      ),
    ).toHaveLength(1);
  });

  it("follow-up-payout resolves a lost Result by Transaction Status", async () => {
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const p = await createPayout(db, {
      merchantId: world.merchant.id,
      keyring: world.deps.keyring,
      amount: 220,
    });
    await submitPayout(db, world.deps, { payoutId: p.id });
    const shifted: BackgroundContext = {
      ...context,
      deps: { ...world.deps, now: () => new Date(Date.now() + PAYOUT_RESULT_WINDOW_MS + 1_000) },
    };
    const t = new InngestTestEngine({ function: makeFollowUpPayout(inngest, () => shifted) });
    const { result } = await t.execute({
      events: [{ name: "malipo/payout.submitted", data: { payoutId: p.id, merchantId: world.merchant.id } }],
      // Sleeps are mocked by id (as in inngest-functions.test.ts), each long enough for an answer.
      steps: FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS.map((_, i) => ({
        id: `wait-${i + 1}`,
        handler: () => new Promise((r) => setTimeout(() => r(null), 300)),
      })),
    });
    // Each step either queries or waits for the answer; it ends when the payout has settled.
    expect(result).toBe("settled");
    expect((await db.payout.findUniqueOrThrow({ where: { id: p.id } })).status).toBe("paid");
  });

  it("reconciliation looks up overdue payouts with Transaction Status", async () => {
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const p = await createPayout(db, {
      merchantId: world.merchant.id,
      keyring: world.deps.keyring,
      amount: 230,
    });
    await submitPayout(db, world.deps, { payoutId: p.id });
    const deps = { ...world.deps, now: () => new Date(Date.now() + PAYOUT_RESULT_WINDOW_MS + 1_000) };
    const counts = await reconcilePayments(db, deps, { spoolDir: world.spoolDir });
    expect(counts.payoutsQueried).toBeGreaterThanOrEqual(1);
    const done = await waitUntil(
      () => db.payout.findUniqueOrThrow({ where: { id: p.id } }),
      (x) => x.status === "paid",
    );
    expect(done.statusQueryCount).toBe(1);
  });
});
