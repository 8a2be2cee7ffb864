// Who may write a delivery's outcome, against the real database: a scheduled attempt holds a claim
// (nextAttemptAt moved forward, attempts as they were) and writes a failure only while it still
// holds it; a success is always recorded and `delivered` is never undone. And the sweep's lanes:
// a slow endpoint occupies only its own workers, batches are claimed once.
import { afterEach, describe, expect, it } from "vitest";
import { recordEvent } from "@/lib/events/record-event";
import { claimDueDeliveries } from "@/lib/webhooks/claim-due-deliveries";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deliverDueWebhooks, WEBHOOK_CONCURRENCY_PER_ENDPOINT } from "@/lib/webhooks/deliver-due-webhooks";
import { BACK_OFF_MS, deliverWebhook } from "@/lib/webhooks/deliver-webhook";
import type { PostResult, PostWebhook } from "@/lib/webhooks/post-webhook";
import { resendWebhookDelivery } from "@/lib/webhooks/resend-webhook-delivery";
import { createMerchant } from "../factories";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

const keyring = stubAppEnv(testDatabaseUrl());
const actor = { type: "user" as const, id: null, label: "Test owner" };
const answer = (statusCode: number): PostResult => ({ statusCode, error: null, excerpt: null, latencyMs: 1 });

/** A post that waits until `release()` and then answers `statusCode`; `started` resolves when it is called. */
function heldPost(statusCode: number) {
  let release = () => {};
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const post: PostWebhook = async () => {
    markStarted();
    await gate;
    return answer(statusCode);
  };
  return { post, started, release: () => release() };
}

describe("webhook delivery claims", () => {
  const db = testDb();
  afterEach(async () => {
    await db.webhookDelivery.updateMany({ where: { state: "pending" }, data: { state: "failed" } });
  });

  async function oneDelivery(url = "http://127.0.0.1:1/hooks", at = new Date()) {
    const merchant = await createMerchant(db);
    const { endpoint } = await createWebhookEndpoint(db, {
      keyring,
      production: false,
      merchantId: merchant.id,
      actor,
      input: { url, eventTypes: [] },
    });
    await db.$transaction((tx) =>
      recordEvent(tx, { merchantId: merchant.id, type: "payment.paid", objectId: null, data: {}, now: at }),
    );
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: endpoint.id } });
    return { merchant, endpoint, delivery };
  }

  it("a resend that delivers while the last scheduled attempt is failing stays delivered", async () => {
    const now = new Date();
    const { merchant, endpoint, delivery } = await oneDelivery();
    // The last scheduled attempt: after it fails the delivery would be given up.
    await db.webhookDelivery.update({
      where: { id: delivery.id },
      data: { attempts: BACK_OFF_MS.length, nextAttemptAt: new Date(now.getTime() - 1000) },
    });
    const scheduled = heldPost(500);
    const attempt = deliverWebhook(
      db,
      { keyring, production: false, post: scheduled.post },
      {
        deliveryId: delivery.id,
      },
    );
    await scheduled.started;
    const resent = await resendWebhookDelivery(
      db,
      { keyring, production: false, post: async () => answer(200) },
      { merchantId: merchant.id, deliveryId: delivery.id, actor },
    );
    expect(resent.outcome).toBe("delivered");
    scheduled.release();
    const late = await attempt;

    const after = await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(after.state).toBe("delivered");
    expect(late.outcome).toBe("superseded");
    expect(after.deliveredAt).not.toBeNull();
    // The resend counted; the superseded attempt is in the log only.
    expect(after.attempts).toBe(BACK_OFF_MS.length + 1);
    expect(await db.webhookAttempt.count({ where: { deliveryId: delivery.id } })).toBe(2);
    // Giving up was not counted against the endpoint either.
    const ep = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(ep.failureStreak).toBe(0);
  });

  it("a failed resend of a delivered delivery leaves it delivered", async () => {
    const { merchant, delivery } = await oneDelivery();
    const ok = await deliverWebhook(
      db,
      { keyring, production: false, post: async () => answer(200) },
      {
        deliveryId: delivery.id,
      },
    );
    expect(ok.outcome).toBe("delivered");
    const resent = await resendWebhookDelivery(
      db,
      { keyring, production: false, post: async () => answer(503) },
      { merchantId: merchant.id, deliveryId: delivery.id, actor },
    );
    expect(resent.outcome).toBe("failed");
    const after = await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(after).toMatchObject({ state: "delivered", attempts: 2 });
  });

  it("an attempt whose claim ran out and was taken again does not write over the newer attempt", async () => {
    const t0 = new Date();
    const { delivery } = await oneDelivery(undefined, t0);
    const stale = heldPost(500);
    const first = deliverWebhook(
      db,
      { keyring, production: false, post: stale.post, now: () => t0 },
      {
        deliveryId: delivery.id,
      },
    );
    await stale.started;
    // The first attempt's process stalls past its claim; another sweep claims and tries.
    const later = new Date(t0.getTime() + 3 * 60_000);
    const second = await deliverWebhook(
      db,
      { keyring, production: false, post: async () => answer(502), now: () => later },
      { deliveryId: delivery.id },
    );
    expect(second.outcome).toBe("retrying");
    stale.release();
    expect((await first).outcome).toBe("superseded");
    const after = await db.webhookDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
    expect(after.state).toBe("pending");
    expect(after.nextAttemptAt?.getTime()).toBe(later.getTime() + (BACK_OFF_MS[0] ?? 0));
  });

  it("claims a batch once: a second claim at the same moment gets none of it", async () => {
    const now = new Date();
    const { endpoint, merchant } = await oneDelivery(undefined, new Date(now.getTime() - 1000));
    for (let i = 0; i < 4; i++)
      await db.$transaction((tx) =>
        recordEvent(tx, { merchantId: merchant.id, type: "payment.paid", objectId: null, data: { i }, now }),
      );
    const [a, b] = await Promise.all([
      claimDueDeliveries(db, { now, endpointId: endpoint.id, limit: 3 }),
      claimDueDeliveries(db, { now, endpointId: endpoint.id, limit: 3 }),
    ]);
    const ids = [...(a ?? []), ...(b ?? [])].map((c) => c.id);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(await claimDueDeliveries(db, { now, endpointId: endpoint.id })).toEqual([]);
  });

  it("a slow endpoint occupies only its own workers: the fast one is served meanwhile", async () => {
    const now = new Date(Date.now() - 1000);
    const merchant = await createMerchant(db);
    for (const name of ["fast", "slow"])
      await createWebhookEndpoint(db, {
        keyring,
        production: false,
        merchantId: merchant.id,
        actor,
        input: { url: `http://127.0.0.1:1/${name}`, eventTypes: [] },
      });
    const events = 30;
    for (let i = 0; i < events; i++)
      await db.$transaction((tx) =>
        recordEvent(tx, { merchantId: merchant.id, type: "payment.paid", objectId: null, data: { i }, now }),
      );
    const inFlight = { fast: 0, slow: 0 };
    const most = { fast: 0, slow: 0 };
    const done = { fast: 0, slow: 0 };
    let slowDoneWhenFastFinished = -1;
    const post: PostWebhook = async ({ url }) => {
      const which = url.endsWith("/slow") ? "slow" : "fast";
      inFlight[which] += 1;
      most[which] = Math.max(most[which], inFlight[which]);
      await new Promise((resolve) => setTimeout(resolve, which === "slow" ? 150 : 1));
      inFlight[which] -= 1;
      done[which] += 1;
      if (which === "fast" && done.fast === events) slowDoneWhenFastFinished = done.slow;
      return answer(200);
    };
    const swept = await deliverDueWebhooks(db, { keyring, production: false, post }, { batchSize: 8 });
    expect(swept).toEqual({ attempted: 2 * events, delivered: 2 * events });
    expect(most.slow).toBeLessThanOrEqual(WEBHOOK_CONCURRENCY_PER_ENDPOINT);
    expect(most.fast).toBeLessThanOrEqual(WEBHOOK_CONCURRENCY_PER_ENDPOINT);
    // With workers shared oldest-first the fast endpoint would finish with the slow one.
    expect(slowDoneWhenFastFinished).toBeLessThan(events / 2);
  });
});
