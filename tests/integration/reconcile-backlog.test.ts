// Issue 14: a backlog of stored callbacks (after a restart or an outage) drains at the settlement
// rate, not 200 per reconciliation run. Inngest's reconcile function goes on in bounded steps.
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeReconcile } from "@/inngest/functions/reconcile";
import { drainCallbackInbox } from "@/lib/payments/reconciliation/drain-callback-inbox";
import { createPendingPayments, stkSuccessBody } from "@/scripts/drills/world";
import { startCollectionsWorld } from "../support/collections";
import { testDb } from "./db";

describe("draining a backlog of stored callbacks", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  beforeAll(async () => {
    world = await startCollectionsWorld(db);
  });
  afterAll(() => world.close());

  /** `n` pending payments, each with its success callback stored a minute ago and not processed. */
  async function backlog(n: number, offset: number) {
    const payments = await createPendingPayments(db, {
      merchantId: world.merchant.id,
      n,
      keyring: world.keyring,
      offset,
    });
    await db.callbackInbox.createMany({
      data: payments.map((p, i) => ({
        merchantId: world.merchant.id,
        kind: "stk" as const,
        body: stkSuccessBody(p.checkoutRequestId, p.amount, offset + i),
        externalId: p.checkoutRequestId,
        receivedAt: new Date(Date.now() - 60_000),
      })),
    });
    return payments.map((p) => p.id);
  }

  it("Inngest's reconcile function drains past one run's budget in further steps", {
    timeout: 60_000,
  }, async () => {
    const ids = await backlog(250, 0);
    const inngest = new Inngest({ id: "malipo-test", isDev: true });
    const context = { db, deps: world.deps, spoolDir: world.spoolDir };
    // A zero budget: every step stops after one batch of 200, so the loop must take over.
    const fn = makeReconcile(inngest, () => context, { inboxStepBudgetMs: 0 });
    const { result, ctx } = await new InngestTestEngine({ function: fn }).execute({
      events: [{ name: "inngest/scheduled.timer", data: {} }],
    });
    expect(result).toMatchObject({ inboxProcessed: 250, inboxMore: false });
    expect(ctx.step.run).toHaveBeenCalledWith("drain-inbox-1", expect.any(Function));
    expect(ctx.step.run).not.toHaveBeenCalledWith("drain-inbox-2", expect.any(Function));
    expect(await db.payment.count({ where: { id: { in: ids }, status: "paid" } })).toBe(250);
  });

  it("looks at each entry once per drain, so callbacks for unknown payments do not hold it up", async () => {
    await db.callbackInbox.createMany({
      data: Array.from({ length: 5 }, (_, i) => ({
        merchantId: world.merchant.id,
        kind: "stk" as const,
        body: stkSuccessBody(`ws_CO_nobody_${i}`, 10, 10_000 + i),
        externalId: `ws_CO_nobody_${i}`,
      })),
    });
    const ids = await backlog(20, 20_000);
    const drain = await drainCallbackInbox(db, { keyring: world.keyring });
    expect(drain).toMatchObject({ processed: 20, retry: 5, more: false });
    expect(await db.payment.count({ where: { id: { in: ids }, status: "paid" } })).toBe(20);
  });
});
