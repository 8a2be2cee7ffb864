import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeFollowUpStk } from "@/inngest/functions/follow-up-stk";
import { makeProcessCallback } from "@/inngest/functions/process-callback";
import { makeReconcile } from "@/inngest/functions/reconcile";
import { requestReconciliationAtBoot } from "@/lib/background";
import type { BackgroundContext } from "@/lib/background/context";
import { payoutApprovedEvent } from "@/lib/background/events";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { FOLLOW_UP_BACK_OFF_SECONDS } from "@/lib/payments/collections/follow-up-stk-payment";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { createPayment, createPayout } from "../factories";
import { startCollectionsWorld } from "../support/collections";
import { testDb } from "./db";

describe("Inngest functions (run with @inngest/test against the real database and the simulator)", () => {
  const db = testDb();
  const inngest = new Inngest({ id: "malipo-test", isDev: true });
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  let context: BackgroundContext;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    context = { db, deps: world.deps, spoolDir: world.spoolDir };
  });
  afterAll(() => world.close());

  /** A payment M-Pesa completed whose callback was dropped (the simulator's drop fault). */
  async function paidButNeverCalledBack(reference: string) {
    await world.control("POST", "/sim/faults", { drop: true });
    const payment = await initiateStkPayment(db, world.deps, {
      merchantId: world.merchant.id,
      amount: 10,
      phone: "254700000000",
      reference,
    });
    await new Promise((r) => setTimeout(r, 100));
    return payment;
  }

  const callbackFor = (checkoutRequestId: string) =>
    JSON.stringify({
      Body: {
        stkCallback: {
          MerchantRequestID: "m",
          CheckoutRequestID: checkoutRequestId,
          ResultCode: 1032,
          ResultDesc: "Request cancelled by user",
        },
      },
    });

  it("process-callback settles a stored callback, and retries one whose payment is not known yet", async () => {
    await world.control("POST", "/sim/faults", { drop: true });
    const payment = await initiateStkPayment(db, world.deps, {
      merchantId: world.merchant.id,
      amount: 10,
      phone: "0712 555 000",
      reference: "INN-1",
    });
    const entry = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: callbackFor(payment.checkoutRequestId ?? ""),
      sourceIp: null,
      headers: {},
    });
    const t = new InngestTestEngine({ function: makeProcessCallback(inngest, () => context) });
    const { result } = await t.execute({
      events: [{ name: "malipo/callback.received", data: { inboxId: entry.id } }],
    });
    expect(result).toBe("processed");
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "cancelled",
      resultCode: "1032",
    });

    const orphan = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: callbackFor("ws_CO_not_yet"),
      sourceIp: null,
      headers: {},
    });
    const { error } = await t.execute({
      events: [{ name: "malipo/callback.received", data: { inboxId: orphan.id } }],
    });
    expect(String((error as Error | undefined)?.message ?? error)).toMatch(/not known yet/);
    await world.control("DELETE", "/sim/faults");
  });

  it("follow-up-stk waits, then asks M-Pesa and settles a payment whose callback never came", async () => {
    const payment = await paidButNeverCalledBack("INN-2");
    const t = new InngestTestEngine({ function: makeFollowUpStk(inngest, () => context) });
    // @inngest/test 1.0 never returns from a real step.sleep with inngest 4: sleeps are mocked by id.
    const sleeps = ["wait-for-callback", ...FOLLOW_UP_BACK_OFF_SECONDS.map((_, i) => `back-off-${i + 1}`)];
    const { result, ctx } = await t.execute({
      events: [{ name: "malipo/stk.initiated", data: { paymentId: payment.id } }],
      steps: sleeps.map((id) => ({ id, handler: () => null })),
    });
    expect(result).toBe("settled");
    expect(ctx.step.sleep).toHaveBeenCalledWith("wait-for-callback", "30s");
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "paid",
    });
    await world.control("DELETE", "/sim/faults");
  });

  it("reconcile-payments queries overdue attempts and records the run with its counts", async () => {
    const payment = await paidButNeverCalledBack("INN-3");
    const later = { ...context, deps: { ...world.deps, now: () => new Date(Date.now() + 45_000) } };
    const t = new InngestTestEngine({ function: makeReconcile(inngest, () => later) });
    const { result } = await t.execute({ events: [{ name: "inngest/scheduled.timer", data: {} }] });
    expect(result).toMatchObject({ queried: expect.any(Number), settled: expect.any(Number) });
    expect((result as { settled: number }).settled).toBeGreaterThanOrEqual(1);
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "paid",
    });
    const run = await db.reconciliationRun.findFirstOrThrow({ orderBy: { startedAt: "desc" } });
    expect(run.finishedAt).not.toBeNull();
    expect(run.counts).toMatchObject({ settled: expect.any(Number) });
    await world.control("DELETE", "/sim/faults");
  });

  it("a server's boot asks Inngest for a reconcile run, which settles callbacks left waiting", async () => {
    const sent: { name: string; data: Record<string, unknown> }[] = [];
    await requestReconciliationAtBoot({ configured: () => true, send: async (event) => sent.push(event) });
    expect(sent).toEqual([{ name: "malipo/reconcile.requested", data: { reason: "boot" } }]);
    await requestReconciliationAtBoot({ configured: () => false, send: async (event) => sent.push(event) });
    expect(sent).toHaveLength(1); // without Inngest the in-process drain does it

    // A callback stored before the restart and never processed.
    const payment = await createPayment(db, {
      merchantId: world.merchant.id,
      checkoutRequestId: "ws_CO_boot_1",
    });
    const entry = await recordCallback(db, {
      merchantId: world.merchant.id,
      kind: "stk",
      body: JSON.stringify({
        Body: {
          stkCallback: {
            MerchantRequestID: "m",
            CheckoutRequestID: "ws_CO_boot_1",
            ResultCode: 1032,
            ResultDesc: "Request cancelled by user",
          },
        },
      }),
      sourceIp: null,
      headers: {},
    });
    await db.callbackInbox.update({
      where: { id: entry.id },
      data: { receivedAt: new Date(Date.now() - 60_000) },
    });
    const reconcile = makeReconcile(inngest, () => context);
    expect(reconcile.opts.triggers).toContainEqual({ event: "malipo/reconcile.requested" });
    const t = new InngestTestEngine({ function: reconcile });
    const { error } = await t.execute({ events: [sent[0] as { name: string; data: { reason: string } }] });
    expect(error).toBeUndefined();
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "cancelled",
    });
  });

  it("reconcile-payments hands approved payouts never sent back to submit-payout, and only those", async () => {
    const merchantId = world.merchant.id;
    const longAgo = new Date(Date.now() - 10 * 60_000);
    const stranded = await createPayout(db, { merchantId, approvedAt: longAgo });
    await createPayout(db, { merchantId }); // just approved: its own hand-off is still under way
    await createPayout(db, {
      merchantId,
      approvedAt: longAgo,
      status: "submitted",
      originatorConversationId: `oc-${Date.now()}`,
    });
    await createPayout(db, { merchantId, approvedAt: longAgo, status: "pending_approval" });
    const t = new InngestTestEngine({ function: makeReconcile(inngest, () => context) });
    const { result, ctx } = await t.execute({
      events: [{ name: "inngest/scheduled.timer", data: {} }],
      // Sending is Inngest's part: recorded here, not sent.
      steps: [{ id: "resubmit-stranded-payouts", handler: () => ({ ids: ["sent"] }) }],
    });
    expect(result).toMatchObject({ strandedPayouts: 1 });
    expect(ctx.step.sendEvent).toHaveBeenCalledWith("resubmit-stranded-payouts", [
      { name: payoutApprovedEvent.name, data: { payoutId: stranded.id, merchantId } },
    ]);
  });
});
