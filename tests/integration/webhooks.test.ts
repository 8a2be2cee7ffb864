// Events and webhooks end to end against the real database and real local HTTP receivers: the
// outbox (one event and one delivery per subscribed endpoint per settlement), signatures checked
// with the README's own snippet, the back-off schedule driven by an injected clock, rotation,
// refused targets, the events API, and the Inngest functions.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeDeliverWebhook, makeSweepWebhooks } from "@/inngest/functions/deliver-webhooks";
import type { BackgroundContext } from "@/lib/background/context";
import { webhookDeliveryDueEvent } from "@/lib/background/events";
import { recordEvent } from "@/lib/events/record-event";
import { settleStkResult } from "@/lib/payments/collections/settle-stk-result";
import type { PaymentsDeps } from "@/lib/payments/deps";
import { recordPayoutOutcome } from "@/lib/payments/payouts/record-payout-outcome";
import { closeReconciliationDays } from "@/lib/payments/reconciliation/close-reconciliation-days";
import { openReviewItem } from "@/lib/payments/review/open-review-item";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deliverDueWebhooks } from "@/lib/webhooks/deliver-due-webhooks";
import { BACK_OFF_MS, DISABLE_AFTER_FAILED_DELIVERIES, deliverWebhook } from "@/lib/webhooks/deliver-webhook";
import { findWebhookDeliveries } from "@/lib/webhooks/find-webhook-deliveries";
import { postWebhook } from "@/lib/webhooks/post-webhook";
import { resendWebhookDelivery } from "@/lib/webhooks/resend-webhook-delivery";
import { rotateWebhookSecret } from "@/lib/webhooks/rotate-webhook-secret";
import { guardedLookup, isPublicAddress } from "@/lib/webhooks/safe-target";
import { sendTestEvent } from "@/lib/webhooks/send-test-event";
import { updateWebhookEndpoint } from "@/lib/webhooks/update-webhook-endpoint";
import { createApiKey, createMerchant, createPayment, createPayout } from "../factories";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

const keyring = stubAppEnv(testDatabaseUrl());
const actor = { type: "user" as const, id: null, label: "Test owner" };

/** The README's Node snippet, taken from the README itself, so the documented code is what is tested. */
function readmeVerifier(): (secret: string, header: string, rawBody: string) => boolean {
  const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
  const block = /```js\n(\/\/ Malipo webhook verification \(Node\)[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README has no Node verification snippet");
  return new Function("require", `${block}\nreturn verifyMalipoSignature;`)(createRequire(import.meta.url));
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver: answers with `respond()`'s status and records every request. */
async function startReceiver(respond: (index: number) => number = () => 200) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      const index = received.length;
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(respond(index)).end(index === 0 ? "x".repeat(5000) : "ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("webhooks", () => {
  const db = testDb();
  const receivers: { close: () => Promise<void> }[] = [];
  let clock = new Date("2026-12-01T08:00:00Z");
  const deps = { keyring, production: false, now: () => clock };
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });
  // Sweeps are global: what one test leaves pending must not be attempted by the next.
  afterEach(async () => {
    await db.webhookDelivery.updateMany({ where: { state: "pending" }, data: { state: "failed" } });
  });

  async function receiver(respond?: (index: number) => number) {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  async function endpoint(merchantId: string, url: string, eventTypes: string[] = []) {
    return createWebhookEndpoint(db, {
      keyring,
      production: false,
      merchantId,
      actor,
      input: { url, eventTypes: eventTypes as never },
    });
  }

  const recordOne = (merchantId: string, n: number) =>
    db.$transaction((tx) =>
      recordEvent(tx, {
        merchantId,
        type: "payment.paid",
        objectId: null,
        data: { n },
        now: clock,
      }),
    );

  it("one payment settlement: exactly one payment.paid event, one delivery per subscribed endpoint", async () => {
    const merchant = await createMerchant(db);
    const all = await endpoint(merchant.id, "http://127.0.0.1:1/all");
    const paid = await endpoint(merchant.id, "http://127.0.0.1:1/paid", ["payment.paid"]);
    await endpoint(merchant.id, "http://127.0.0.1:1/payouts", ["payout.paid"]);
    const off = await endpoint(merchant.id, "http://127.0.0.1:1/off");
    await updateWebhookEndpoint(db, {
      production: false,
      merchantId: merchant.id,
      endpointId: off.endpoint.id,
      actor,
      input: { enabled: false },
    });
    const payment = await createPayment(db, { merchantId: merchant.id, checkoutRequestId: "ws_CO_evt_1" });
    const result = {
      checkoutRequestId: "ws_CO_evt_1",
      resultCode: "0",
      resultDesc: "ok",
      amount: 100,
      receipt: "RCPT0001",
      source: "callback" as const,
    };
    const settle = () => settleStkResult(db, { keyring, merchantId: merchant.id, result });
    const outcomes = await Promise.all([settle(), settle(), settle()]);
    expect(outcomes.filter((o) => o.outcome === "applied")).toHaveLength(1);

    const events = await db.event.findMany({ where: { merchantId: merchant.id } });
    expect(events.map((e) => e.type)).toEqual(["payment.paid"]);
    expect(events[0]?.objectId).toBe(payment.id);
    expect(events[0]?.data).toMatchObject({ id: payment.id, object: "payment", status: "paid", amount: 100 });
    const deliveries = await db.webhookDelivery.findMany({ where: { eventId: events[0]?.id } });
    expect(deliveries.map((d) => d.endpointId).sort()).toEqual([all.endpoint.id, paid.endpoint.id].sort());
    expect(deliveries.every((d) => d.state === "pending" && d.nextAttemptAt !== null)).toBe(true);
  });

  it("payouts, review items and closed days become events too, a day only once", async () => {
    const merchant = await createMerchant(db);
    const payout = await createPayout(db, { merchantId: merchant.id, status: "submitted" });
    await db.$transaction((tx) =>
      recordPayoutOutcome(tx, {
        payout,
        resultCode: "0",
        resultDesc: "ok",
        details: {
          receipt: "PAYOUT001",
          amount: 250,
          recipientName: null,
          completedAt: null,
          parameters: {},
        },
        source: "result",
        now: new Date(),
      }),
    );
    await openReviewItem(db, {
      merchantId: merchant.id,
      kind: "payout_unresolved",
      paymentId: null,
      payoutId: payout.id,
    });
    const now = new Date("2026-12-02T06:00:00Z");
    await closeReconciliationDays(db, { now });
    await closeReconciliationDays(db, { now });
    const events = await db.event.findMany({
      where: { merchantId: merchant.id },
      orderBy: { createdAt: "asc" },
    });
    expect(events.map((e) => e.type).sort()).toEqual(
      ["payout.needs_review", "reconciliation.day_closed", "review_item.opened", "review_item.opened"].sort(),
    );
    expect(events.find((e) => e.type === "payout.needs_review")?.data).toMatchObject({
      id: payout.id,
      object: "payout",
      status: "needs_review",
    });
    expect(events.find((e) => e.type === "reconciliation.day_closed")).toMatchObject({
      objectId: "2026-12-01",
      data: { object: "reconciliation_day", day: "2026-12-01" },
    });
  });

  it("signs every delivery so the README's snippet verifies it, and names the event", async () => {
    const verify = readmeVerifier();
    const merchant = await createMerchant(db);
    const r = await receiver();
    const { secret, endpoint: ep } = await endpoint(merchant.id, r.url);
    expect(secret).toMatch(/^whsec_[\w-]{40,}$/);
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } })).secretSealed).not.toContain(
      secret,
    );
    clock = new Date();
    const event = await recordOne(merchant.id, 1);
    expect(await deliverDueWebhooks(db, deps)).toEqual({ attempted: 1, delivered: 1 });
    const [got] = r.received;
    expect(got?.headers["malipo-event-id"]).toBe(event.id);
    expect(JSON.parse(got?.body ?? "")).toEqual({
      id: event.id,
      type: "payment.paid",
      createdAt: event.createdAt.toISOString(),
      data: { n: 1 },
    });
    expect(verify(secret, String(got?.headers["malipo-signature"]), got?.body ?? "")).toBe(true);
    expect(verify("whsec_wrong", String(got?.headers["malipo-signature"]), got?.body ?? "")).toBe(false);
    expect(verify(secret, String(got?.headers["malipo-signature"]), `${got?.body} `)).toBe(false);
    const [attempt] = await db.webhookAttempt.findMany({ where: { endpointId: ep.id } });
    expect(attempt).toMatchObject({ statusCode: 200, manual: false });
    expect(attempt?.responseExcerpt?.length).toBe(1024);
  });

  const hasPython = spawnSync("python3", ["--version"]).status === 0;
  it.skipIf(!hasPython)("the README's Python snippet verifies a delivery too", async () => {
    const readme = readFileSync(path.resolve(__dirname, "../../README.md"), "utf8");
    const snippet = /```python\n(# Malipo webhook verification \(Python\)[\s\S]*?)```/.exec(readme)?.[1];
    expect(snippet).toBeTruthy();
    const merchant = await createMerchant(db);
    const r = await receiver();
    const { secret } = await endpoint(merchant.id, r.url);
    clock = new Date();
    await recordOne(merchant.id, 1);
    await deliverDueWebhooks(db, deps);
    const got = r.received[0];
    const check = (key: string) =>
      spawnSync(
        "python3",
        [
          "-c",
          `${snippet}\nimport sys, json\na = json.loads(sys.stdin.read())\nprint(verify_malipo_signature(a["secret"], a["header"], a["body"].encode()))`,
        ],
        { input: JSON.stringify({ secret: key, header: got?.headers["malipo-signature"], body: got?.body }) },
      )
        .stdout.toString()
        .trim();
    expect(check(secret)).toBe("True");
    expect(check("whsec_wrong")).toBe("False");
  });

  it("a receiver that fails and then recovers gets every event, on the back-off schedule", async () => {
    const merchant = await createMerchant(db);
    const r = await receiver((i) => (i < 7 ? 503 : 200));
    await endpoint(merchant.id, r.url);
    clock = new Date("2026-12-01T08:00:00Z");
    const events = [
      await recordOne(merchant.id, 1),
      await recordOne(merchant.id, 2),
      await recordOne(merchant.id, 3),
    ];
    expect((await deliverDueWebhooks(db, deps)).attempted).toBe(3); // three 503s
    // Nothing is due before the first back-off has passed.
    clock = new Date(clock.getTime() + (BACK_OFF_MS[0] ?? 0) - 1000);
    expect((await deliverDueWebhooks(db, deps)).attempted).toBe(0);
    for (const wait of BACK_OFF_MS) {
      clock = new Date(clock.getTime() + wait + 1000);
      await deliverDueWebhooks(db, deps);
    }
    const deliveries = await db.webhookDelivery.findMany({ where: { merchantId: merchant.id } });
    expect(deliveries.every((d) => d.state === "delivered")).toBe(true);
    const ids = new Set(r.received.filter((_, i) => i >= 7).map((x) => JSON.parse(x.body).id));
    expect(ids).toEqual(new Set(events.map((e) => e.id)));
    const attempts = await db.webhookAttempt.findMany({ where: { merchantId: merchant.id } });
    expect(attempts).toHaveLength(r.received.length);
    expect(attempts.filter((a) => a.statusCode === 503)).toHaveLength(7);
  });

  it("gives a delivery up after the last back-off, and disables an endpoint that keeps failing", async () => {
    const merchant = await createMerchant(db);
    const r = await receiver(() => 500);
    const { endpoint: ep } = await endpoint(merchant.id, r.url);
    clock = new Date("2026-12-01T08:00:00Z");
    for (let n = 0; n < DISABLE_AFTER_FAILED_DELIVERIES; n++) await recordOne(merchant.id, n);
    const start = clock.getTime();
    await deliverDueWebhooks(db, deps);
    for (const wait of BACK_OFF_MS) {
      clock = new Date(clock.getTime() + wait + 1000);
      await deliverDueWebhooks(db, deps);
    }
    expect(clock.getTime() - start).toBeLessThan(3 * 24 * 3600_000);
    const deliveries = await db.webhookDelivery.findMany({ where: { endpointId: ep.id } });
    expect(deliveries.map((d) => [d.state, d.attempts])).toEqual(
      deliveries.map(() => ["failed", BACK_OFF_MS.length + 1]),
    );
    const after = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: ep.id } });
    expect(after.enabled).toBe(false);
    expect(after.disabledReason).toMatch(/failed/);
    // A disabled endpoint gets nothing more from the schedule.
    await recordOne(merchant.id, 99);
    expect((await deliverDueWebhooks(db, deps)).attempted).toBe(0);
  });

  it("rotation: both secrets sign during the overlap, then only the new one", async () => {
    const verify = readmeVerifier();
    const merchant = await createMerchant(db);
    const r = await receiver();
    const created = await endpoint(merchant.id, r.url);
    clock = new Date();
    const rotated = await rotateWebhookSecret(db, {
      keyring,
      merchantId: merchant.id,
      endpointId: created.endpoint.id,
      actor,
      now: clock,
    });
    expect(rotated.secret).not.toBe(created.secret);
    await recordOne(merchant.id, 1);
    await deliverDueWebhooks(db, deps);
    const during = r.received[0];
    const header = String(during?.headers["malipo-signature"]);
    expect(header.match(/v1=/g)).toHaveLength(2);
    expect(verify(created.secret, header, during?.body ?? "")).toBe(true);
    expect(verify(rotated.secret, header, during?.body ?? "")).toBe(true);

    // 25 hours later the old secret no longer signs. The README snippet checks the timestamp
    // against the real clock, so this one is checked with the library's verifier at that time.
    const later = new Date(clock.getTime() + 25 * 3600_000);
    const { verifySignature } = await import("@/lib/webhooks/webhook-signature");
    await db.$transaction((tx) =>
      recordEvent(tx, {
        merchantId: merchant.id,
        type: "payment.paid",
        objectId: null,
        data: {},
        now: later,
      }),
    );
    await deliverDueWebhooks(db, { ...deps, now: () => later });
    const afterOverlap = r.received[1];
    const header2 = String(afterOverlap?.headers["malipo-signature"]);
    const nowSeconds = Math.floor(later.getTime() / 1000);
    expect(header2.match(/v1=/g)).toHaveLength(1);
    expect(verifySignature(rotated.secret, header2, afterOverlap?.body ?? "", nowSeconds)).toBe(true);
    expect(verifySignature(created.secret, header2, afterOverlap?.body ?? "", nowSeconds)).toBe(false);
  });

  it("refuses non-public targets in production, also when a name resolves to one", async () => {
    for (const url of [
      "https://127.0.0.1/hook",
      "https://10.1.2.3/hook",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/hook",
      "https://[fd00:ec2::254]/hook",
      "https://100.64.0.1/hook",
      "http://example.com/hook",
    ]) {
      const result = await postWebhook({ url, body: "{}", headers: {}, production: true });
      expect(result, url).toMatchObject({ statusCode: null, refused: true });
    }
    // A name is checked at connection time, by the socket's own lookup (DNS rebinding): localhost
    // is a name like any other here, refused because it resolves to 127.0.0.1.
    const r = await receiver();
    const port = new URL(r.url).port;
    const viaName = await postWebhook({
      url: `https://localhost:${port}/hooks`,
      body: "{}",
      headers: {},
      production: true,
    });
    expect(viaName).toMatchObject({ statusCode: null, refused: true });
    const lookupError = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup("localhost", { all: true }, (error) => resolve(error)),
    );
    expect(lookupError?.code).toBe("EUNSAFETARGET");
    expect(r.received).toHaveLength(0);
    expect(isPublicAddress("::ffff:127.0.0.1")).toBe(false);
    expect(isPublicAddress("8.8.8.8")).toBe(true);
    expect(isPublicAddress("2606:4700:4700::1111")).toBe(true);

    // The attempt is logged with the reason, like any failure.
    const merchant = await createMerchant(db);
    const ep = await db.webhookEndpoint.create({
      data: {
        merchantId: merchant.id,
        url: "https://169.254.169.254/x",
        eventTypes: [],
        secretSealed: (await endpoint(merchant.id, "https://example.com/")).endpoint.secretSealed,
      },
    });
    clock = new Date();
    await recordOne(merchant.id, 1);
    const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: ep.id } });
    const outcome = await deliverWebhook(db, { ...deps, production: true }, { deliveryId: delivery.id });
    expect(outcome).toMatchObject({ outcome: "retrying", refused: true });
    await expect(
      createWebhookEndpoint(db, {
        keyring,
        production: true,
        merchantId: merchant.id,
        actor,
        input: { url: "https://10.0.0.5/hook" },
      }),
    ).rejects.toMatchObject({ code: "validation_failed" });
  });

  it("test events and resends are manual attempts in the endpoint's log", async () => {
    const merchant = await createMerchant(db);
    const r = await receiver((i) => (i === 0 ? 500 : 200));
    const { endpoint: ep } = await endpoint(merchant.id, r.url);
    clock = new Date();
    const first = await sendTestEvent(db, deps, { merchantId: merchant.id, endpointId: ep.id, actor });
    expect(first.outcome).toBe("failed");
    expect(JSON.parse(r.received[0]?.body ?? "").type).toBe("webhook.test");
    const log = await findWebhookDeliveries(db, { merchantId: merchant.id, endpointId: ep.id });
    expect(log.data[0]).toMatchObject({ eventType: "webhook.test", state: "failed" });
    const resent = await resendWebhookDelivery(db, deps, {
      merchantId: merchant.id,
      deliveryId: log.data[0]?.id ?? "",
      actor,
    });
    expect(resent.outcome).toBe("delivered");
    const after = await findWebhookDeliveries(db, { merchantId: merchant.id, endpointId: ep.id });
    expect(after.data[0]?.attemptLog.map((a) => [a.statusCode, a.manual])).toEqual([
      [200, true],
      [500, true],
    ]);
    const audit = await db.auditLog.findMany({ where: { merchantId: merchant.id }, orderBy: { seq: "asc" } });
    expect(audit.map((a) => a.action)).toEqual([
      "webhook_endpoint.created",
      "webhook_endpoint.test_sent",
      "webhook_delivery.resent",
    ]);
    // Test events are not money events: the events API does not list them.
    expect(await db.event.count({ where: { merchantId: merchant.id, type: "webhook.test" } })).toBe(1);
  });

  describe("REST API", () => {
    type Handler<P> = (req: Request, ctx: { params: Promise<P> }) => Promise<Response>;
    const call = async <P extends object>(
      handler: Handler<P>,
      key: string,
      pathName: string,
      params?: P,
      init?: RequestInit,
    ) => {
      const res = await handler(
        new Request(`http://localhost${pathName}`, {
          ...init,
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        }),
        { params: Promise.resolve((params ?? {}) as P) },
      );
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
      return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
    };
    const a = { id: "", key: "" };
    const b = { id: "", key: "" };
    beforeAll(async () => {
      for (const m of [a, b]) {
        m.id = (await createMerchant(db)).id;
        m.key = (await createApiKey(db, { merchantId: m.id })).key;
      }
      clock = new Date("2026-12-01T08:00:00Z");
      for (let n = 0; n < 5; n++) {
        clock = new Date(clock.getTime() + 1000);
        await recordOne(a.id, n);
      }
      await db.$transaction((tx) =>
        recordEvent(tx, { merchantId: a.id, type: "payout.paid", objectId: null, data: {}, now: clock }),
      );
      await recordOne(b.id, 100);
    });

    it("paginates events with a cursor, filters by type, and shows only the caller's", async () => {
      const { GET } = await import("@/app/api/v1/events/route");
      const seen: number[] = [];
      let cursor: string | null = "";
      while (cursor !== null) {
        const page: { status: number; body: { data: { data: { n: number } }[]; nextCursor: string | null } } =
          await call(
            GET,
            a.key,
            `/api/v1/events?type=payment.paid&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
          );
        expect(page.status).toBe(200);
        expect(page.body.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.data.map((e) => e.data.n));
        cursor = page.body.nextCursor;
      }
      expect(seen).toEqual([4, 3, 2, 1, 0]);
      const all = await call(GET, a.key, "/api/v1/events?limit=100");
      expect(all.body.data.map((e: { type: string }) => e.type)).toContain("payout.paid");
      expect(all.body.data).toHaveLength(6);
      expect((await call(GET, a.key, "/api/v1/events?type=nope")).status).toBe(422);

      const one = await import("@/app/api/v1/events/[id]/route");
      const theirs = await db.event.findFirstOrThrow({ where: { merchantId: b.id } });
      expect((await call(one.GET, a.key, `/api/v1/events/${theirs.id}`, { id: theirs.id })).status).toBe(404);
      expect(
        (await call(one.GET, b.key, `/api/v1/events/${theirs.id}`, { id: theirs.id })).body,
      ).toMatchObject({
        id: theirs.id,
        object: "event",
        type: "payment.paid",
      });
    });

    it("manages webhook endpoints: create (secret once), list, patch, rotate, delete", async () => {
      const list = await import("@/app/api/v1/webhook-endpoints/route");
      const one = await import("@/app/api/v1/webhook-endpoints/[id]/route");
      const rotate = await import("@/app/api/v1/webhook-endpoints/[id]/rotate-secret/route");
      const created = await call(list.POST, a.key, "/api/v1/webhook-endpoints", undefined, {
        method: "POST",
        body: JSON.stringify({ url: "https://example.com/hooks", eventTypes: ["payment.paid"] }),
      });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      const id = created.body.id as string;
      const listed = await call(list.GET, a.key, "/api/v1/webhook-endpoints");
      expect(listed.body.data.map((e: { id: string }) => e.id)).toEqual([id]);
      expect(JSON.stringify(listed.body)).not.toContain("whsec_");
      expect((await call(list.GET, b.key, "/api/v1/webhook-endpoints")).body.data).toEqual([]);
      expect((await call(one.GET, b.key, `/api/v1/webhook-endpoints/${id}`, { id })).status).toBe(404);
      const patched = await call(
        one.PATCH,
        a.key,
        `/api/v1/webhook-endpoints/${id}`,
        { id },
        {
          method: "PATCH",
          body: JSON.stringify({ enabled: false, eventTypes: [] }),
        },
      );
      expect(patched.body).toMatchObject({
        enabled: false,
        eventTypes: [],
        disabledReason: "Disabled by a person.",
      });
      const badType = await call(
        one.PATCH,
        a.key,
        `/api/v1/webhook-endpoints/${id}`,
        { id },
        {
          method: "PATCH",
          body: JSON.stringify({ eventTypes: ["payment.lost"] }),
        },
      );
      expect(badType.status).toBe(422);
      const rotated = await call(
        rotate.POST,
        a.key,
        `/api/v1/webhook-endpoints/${id}/rotate-secret`,
        { id },
        {
          method: "POST",
        },
      );
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(created.body.secret);
      expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
      expect(
        (await call(one.DELETE, b.key, `/api/v1/webhook-endpoints/${id}`, { id }, { method: "DELETE" }))
          .status,
      ).toBe(404);
      expect(
        (await call(one.DELETE, a.key, `/api/v1/webhook-endpoints/${id}`, { id }, { method: "DELETE" }))
          .status,
      ).toBe(204);
      expect((await call(list.GET, a.key, "/api/v1/webhook-endpoints")).body.data).toEqual([]);
    });
  });

  describe("Inngest functions", () => {
    const inngest = new Inngest({ id: "malipo-test", isDev: true });
    const context = () =>
      ({ db, deps: { keyring } as unknown as PaymentsDeps, spoolDir: "" }) as BackgroundContext;

    it("the sweep fans due deliveries out; deliver-webhook makes one attempt", async () => {
      const merchant = await createMerchant(db);
      const r = await receiver();
      const { endpoint: ep } = await endpoint(merchant.id, r.url);
      clock = new Date();
      await recordOne(merchant.id, 1);
      const delivery = await db.webhookDelivery.findFirstOrThrow({ where: { endpointId: ep.id } });

      const sweep = new InngestTestEngine({ function: makeSweepWebhooks(inngest, context) });
      const swept = await sweep.execute({
        events: [{ name: "inngest/scheduled.timer", data: {} }],
        // Sending is Inngest's part: recorded here, not sent.
        steps: [{ id: "deliver-0", handler: () => ({ ids: ["sent"] }) }],
      });
      expect(swept.result).toEqual({ sent: 1 });
      // The event id names the delivery and its due moment: a second sweep before the run is a duplicate.
      expect(swept.ctx.step.sendEvent).toHaveBeenCalledWith("deliver-0", [
        {
          id: `${delivery.id}@${delivery.nextAttemptAt?.getTime()}`,
          name: webhookDeliveryDueEvent.name,
          data: { deliveryId: delivery.id, endpointId: ep.id },
        },
      ]);

      const deliver = new InngestTestEngine({
        function: makeDeliverWebhook(inngest, context, { production: false }),
      });
      const run = await deliver.execute({
        events: [
          { name: webhookDeliveryDueEvent.name, data: { deliveryId: delivery.id, endpointId: ep.id } },
        ],
      });
      expect(run.result).toBe("delivered");
      expect(r.received).toHaveLength(1);
      // A second run (Inngest's retry, a duplicate event) finds it delivered and sends nothing.
      const fresh = new InngestTestEngine({
        function: makeDeliverWebhook(inngest, context, { production: false }),
      });
      const again = await fresh.execute({
        events: [
          { name: webhookDeliveryDueEvent.name, data: { deliveryId: delivery.id, endpointId: ep.id } },
        ],
      });
      expect(again.result).toBe("not_due");
      expect(r.received).toHaveLength(1);
    });
  });
});
