// Metrics, health and the Inngest route through the real route handlers (Next's request context
// faked, tests/support/next-request.ts): counters move when callbacks, Daraja calls and
// settlements happen, the scrape needs the token and reads the database gauges, readiness tells a
// dead database from a live process, and /api/inngest says plainly when work runs in-process.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { countWebhookAttempt } from "@/lib/background/webhook-metrics";
import { createDb } from "@/lib/db";
import { recordEvent } from "@/lib/events/record-event";
import { findOwnerAlerts } from "@/lib/observability/alerts";
import { checkReadiness, clearDarajaProbeCache } from "@/lib/observability/check-health";
import { installObservability } from "@/lib/observability/install";
import { metrics } from "@/lib/observability/metrics";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { recordPayoutOutcome } from "@/lib/payments/payouts/record-payout-outcome";
import { CLIENT_IP_HEADER, trustClientIpHeader } from "@/lib/security/client-ip";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deliverDueWebhooks } from "@/lib/webhooks/deliver-due-webhooks";
import {
  createInboxEntry,
  createMember,
  createMerchant,
  createMpesaCredential,
  createPayment,
  createPayout,
} from "../factories";
import { startCollectionsWorld } from "../support/collections";
import { renderPage, runAfterTasks, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const keyring = stubAppEnv(testDatabaseUrl());
const TOKEN = randomBytes(24).toString("hex");
const spoolDir = join(tmpdir(), `malipo-spool-${randomBytes(4).toString("hex")}`);
vi.stubEnv("METRICS_TOKEN", TOKEN);
vi.stubEnv("MALIPO_SPOOL_DIR", spoolDir);
vi.stubEnv("MPESA_CALLBACK_ALLOWLIST", "196.201.214.200");
trustClientIpHeader();

/** A metric's current value for the given labels (0 when never set). */
async function value(name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const match = data.values.find(
    (v) =>
      Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l) &&
      (!("metricName" in v) || !String(v.metricName).endsWith("_bucket")),
  );
  return match?.value ?? 0;
}

/** A histogram's observation count for the given labels. */
async function observations(name: string, labels: Record<string, string>): Promise<number> {
  const data = await metrics.registry.getSingleMetric(name)?.get();
  const counts = data?.values.filter(
    (v) =>
      String((v as { metricName?: string }).metricName).endsWith("_count") &&
      Object.entries(labels).every(([k, l]) => String(v.labels[k]) === l),
  );
  return counts?.reduce((sum, v) => sum + v.value, 0) ?? 0;
}

async function postCallback(options: { merchantId: string; secret: string; body: string; kind?: string }) {
  const { POST } = await import("@/app/api/mpesa/[kind]/[merchantId]/[secret]/route");
  const params = { kind: options.kind ?? "stk", merchantId: options.merchantId, secret: options.secret };
  const request = new Request(
    `http://localhost/api/mpesa/${params.kind}/${params.merchantId}/${params.secret}`,
    {
      method: "POST",
      headers: { "content-type": "application/json", [CLIENT_IP_HEADER]: "196.201.214.200" },
      body: options.body,
    },
  );
  return POST(request, { params: Promise.resolve(params) });
}

const stkPaid = (checkoutRequestId: string) =>
  JSON.stringify({
    Body: {
      stkCallback: {
        MerchantRequestID: "29115-34620561-1",
        CheckoutRequestID: checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "Processed",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: 100 },
            { Name: "MpesaReceiptNumber", Value: `TST${randomBytes(4).toString("hex").toUpperCase()}` },
            { Name: "PhoneNumber", Value: 254700000000 },
          ],
        },
      },
    },
  });

async function scrape(authorization?: string) {
  const { GET } = await import("@/app/api/metrics/route");
  return GET(
    new Request("http://localhost/api/metrics", {
      headers: authorization ? { authorization } : {},
    }),
  );
}

describe("metrics", () => {
  const db = testDb();

  beforeAll(() => installObservability());
  afterAll(async () => {
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  it("counts callbacks by kind and outcome, times their acknowledgement and the settlement they lead to", async () => {
    const merchant = await createMerchant(db);
    const checkoutRequestId = `ws_CO_${randomUUID()}`;
    await createPayment(db, {
      merchantId: merchant.id,
      checkoutRequestId,
      createdAt: new Date(Date.now() - 30_000),
    });
    const stored = await value("malipo_callbacks_received_total", { kind: "stk", outcome: "stored" });
    const refused = await value("malipo_callbacks_received_total", { kind: "stk", outcome: "refused" });
    const acks = await observations("malipo_callback_ack_seconds", { kind: "stk" });
    const settled = await observations("malipo_settlement_seconds", { kind: "payment", status: "paid" });

    const ok = await postCallback({
      merchantId: merchant.id,
      secret: merchant.callbackSecret,
      body: stkPaid(checkoutRequestId),
    });
    expect(ok.status).toBe(200);
    await runAfterTasks(); // the in-process settlement the route handed off
    const wrong = await postCallback({
      merchantId: merchant.id,
      secret: "not-the-secret",
      body: stkPaid("x"),
    });
    expect(wrong.status).toBe(403);

    expect(await value("malipo_callbacks_received_total", { kind: "stk", outcome: "stored" })).toBe(
      stored + 1,
    );
    expect(await value("malipo_callbacks_received_total", { kind: "stk", outcome: "refused" })).toBe(
      refused + 1,
    );
    expect(await observations("malipo_callback_ack_seconds", { kind: "stk" })).toBe(acks + 2);
    expect(await observations("malipo_settlement_seconds", { kind: "payment", status: "paid" })).toBe(
      settled + 1,
    );
    const payment = await db.payment.findUniqueOrThrow({ where: { checkoutRequestId } });
    expect(payment.status).toBe("paid");
  });

  it("counts Daraja calls by API and result code, with their latency", async () => {
    const world = await startCollectionsWorld(db);
    try {
      const before = await value("malipo_daraja_calls_total", { api: "stkpush_processrequest", result: "0" });
      const timed = await observations("malipo_daraja_call_seconds", { api: "stkpush_processrequest" });
      await initiateStkPayment(db, world.deps, {
        merchantId: world.merchant.id,
        amount: 10,
        phone: "0700000000",
        reference: "METRICS-1",
      });
      expect(await value("malipo_daraja_calls_total", { api: "stkpush_processrequest", result: "0" })).toBe(
        before + 1,
      );
      expect(await observations("malipo_daraja_call_seconds", { api: "stkpush_processrequest" })).toBe(
        timed + 1,
      );
      expect(await value("malipo_daraja_calls_total", { api: "oauth_generate" })).toBeGreaterThan(0);
    } finally {
      await world.close();
    }
  });

  it("times a payout from submission to its result", async () => {
    const merchant = await createMerchant(db);
    const payout = await createPayout(db, {
      merchantId: merchant.id,
      status: "submitted",
      submittedAt: new Date(Date.now() - 5_000),
    });
    const before = await observations("malipo_settlement_seconds", { kind: "payout", status: "paid" });
    await recordPayoutOutcome(db, {
      payout,
      resultCode: "0",
      resultDesc: "The service request is processed successfully.",
      details: {
        receipt: "TST0PAYOUT1",
        amount: 100,
        recipientName: "Jane",
        completedAt: new Date(),
        parameters: {},
      },
      source: "result",
      now: new Date(),
    });
    expect(await observations("malipo_settlement_seconds", { kind: "payout", status: "paid" })).toBe(
      before + 1,
    );
    const sum = (await metrics.settlementSeconds.get()).values.find(
      (v) => v.metricName === "malipo_settlement_seconds_sum" && v.labels.kind === "payout",
    );
    expect(sum?.value).toBeGreaterThanOrEqual(5);
  });

  it("counts webhook attempts by outcome, with their latency", async () => {
    const merchant = await createMerchant(db);
    const server = createServer((_request, response) => response.writeHead(500).end("down"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      const actor = { type: "user" as const, id: null, label: "Test owner" };
      await createWebhookEndpoint(db, {
        keyring,
        production: false,
        merchantId: merchant.id,
        actor,
        input: { url },
      });
      await db.$transaction((tx) =>
        recordEvent(tx, { merchantId: merchant.id, type: "payment.paid", objectId: null, data: {} }),
      );
      const failed = await value("malipo_webhook_deliveries_total", { outcome: "failed" });
      const timed = await observations("malipo_webhook_attempt_seconds", { outcome: "failed" });
      const swept = await deliverDueWebhooks(
        db,
        { keyring, production: false },
        { onAttempt: countWebhookAttempt },
      );
      expect(swept.attempted).toBeGreaterThanOrEqual(1);
      expect(await value("malipo_webhook_deliveries_total", { outcome: "failed" })).toBe(
        failed + swept.attempted,
      );
      expect(await observations("malipo_webhook_attempt_seconds", { outcome: "failed" })).toBe(
        timed + swept.attempted,
      );
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("serves the text format only with the token, with the database gauges read at scrape time", async () => {
    expect((await scrape()).status).toBe(401);
    expect((await scrape("Bearer wrong-token-wrong-token")).status).toBe(401);

    const merchant = await createMerchant(db);
    await createInboxEntry(db, { merchantId: merchant.id, state: "dead", processedAt: new Date() });
    await createInboxEntry(db, {
      merchantId: merchant.id,
      state: "pending",
      receivedAt: new Date(Date.now() - 120_000),
    });
    await createPayout(db, { merchantId: merchant.id, status: "unknown" });
    const response = await scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('malipo_callbacks_received_total{kind="stk",outcome="stored"}');
    expect(text).toMatch(/^malipo_inbox_pending [1-9]/m);
    expect(text).toMatch(/^malipo_inbox_dead [1-9]/m);
    expect(text).toMatch(/^malipo_inbox_dead_last_hour [1-9]/m);
    expect(Number(text.match(/^malipo_inbox_oldest_pending_seconds (\d+)/m)?.[1])).toBeGreaterThanOrEqual(
      119,
    );
    expect(text).toMatch(/^malipo_payouts\{status="unknown"\} [1-9]/m);
    expect(text).toContain("malipo_review_items_open");
    expect(text).toContain("malipo_callback_spool_files 0");
    expect(text).toContain("malipo_process_cpu_seconds_total");
    expect(text).not.toContain(merchant.id);
  });

  it("shows owners the alert conditions for their own merchant only", async () => {
    const merchant = await createMerchant(db);
    const other = await createMerchant(db);
    await createInboxEntry(db, { merchantId: merchant.id, state: "dead", processedAt: new Date() });
    await createPayout(db, {
      merchantId: merchant.id,
      status: "unknown",
      updatedAt: new Date(Date.now() - 2 * 3_600_000),
    });
    const alerts = await findOwnerAlerts(db, { merchantId: merchant.id });
    expect(alerts.map((a) => a.id).sort()).toEqual(["dead_callbacks", "payouts_stuck_unknown"]);
    expect(await findOwnerAlerts(db, { merchantId: other.id })).toEqual([]);
  });

  it("puts the alerts in a banner at the top of the dashboard for owners, not for other roles", async () => {
    const { user: owner, merchantId } = await createMember(db, { role: "owner" });
    const viewer = (await createMember(db, { merchantId, role: "viewer" })).user;
    await createInboxEntry(db, { merchantId, state: "dead", processedAt: new Date() });
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    const { default: Layout } = await import("@/app/(dashboard)/layout");
    signIn(owner, merchant.slug);
    expect(await renderPage(Layout, { children: null })).toContain("failed every retry");
    signIn(viewer, merchant.slug);
    expect(await renderPage(Layout, { children: null })).not.toContain("failed every retry");
  });
});

describe("health", () => {
  it("answers liveness without the database and readiness with its checks", async () => {
    const { GET } = await import("@/app/api/health/route");
    const live = await GET(new Request("http://localhost/api/health?check=live"));
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: "live" });

    const ready = await GET(new Request("http://localhost/api/health?check=ready"));
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body).toMatchObject({
      status: "ok",
      ready: true,
      failed: [],
      database: { ok: true },
      inbox: { pending: expect.any(Number), oldestPendingSeconds: expect.any(Number) },
      spool: { waiting: 0, setAside: 0 },
      inngest: "in-process",
    });
  });

  it("is not ready when the database cannot be reached, and says which check failed", async () => {
    const unreachable = createDb("postgres://nobody@127.0.0.1:1/none");
    try {
      const readiness = await checkReadiness(unreachable, {
        spoolDir,
        inngest: "in-process",
        darajaBaseUrl: () => "http://127.0.0.1:1",
      });
      expect(readiness).toMatchObject({
        status: "degraded",
        ready: false,
        failed: ["database"],
        inbox: null,
      });
      expect(readiness.database.ok).toBe(false);
      expect(JSON.stringify(readiness)).not.toContain("postgres://");
    } finally {
      await unreachable.$disconnect();
    }
  });

  it("probes Daraja per environment in use without credentials, at most once a minute", async () => {
    const db = testDb();
    const merchant = await createMerchant(db, { environment: "sandbox" });
    await createMpesaCredential(db, { merchantId: merchant.id, shortcode: "600000", environment: "sandbox" });
    clearDarajaProbeCache();
    const probes: { url: string; init?: RequestInit }[] = [];
    const fetchStub = (async (url: string, init?: RequestInit) => {
      probes.push({ url, init });
      return new Response("not found", { status: 404 });
    }) as typeof fetch;
    const options = {
      spoolDir,
      inngest: "in-process" as const,
      darajaBaseUrl: (environment: string) => `https://${environment}.example.test`,
      fetch: fetchStub,
    };
    const first = await checkReadiness(db, options);
    await checkReadiness(db, options);
    expect(first.daraja).toContainEqual(
      expect.objectContaining({ environment: "sandbox", reachable: true, detail: "HTTP 404" }),
    );
    expect(probes.filter((p) => p.url === "https://sandbox.example.test/")).toHaveLength(1);
    expect(probes.every((p) => p.init?.method === "GET" && !p.init.headers && !p.init.body)).toBe(true);
  });
});

describe("/api/inngest without Inngest configured", () => {
  it("says in production that work runs in-process instead of failing for a signing key", async () => {
    vi.resetModules();
    vi.stubEnv("NODE_ENV", "production");
    vi.stubEnv("MPESA_CALLBACK_ALLOWLIST", "");
    const { GET, PUT } = await import("@/app/api/inngest/route");
    const { getEnv } = await import("@/lib/env");
    expect(getEnv().NODE_ENV).toBe("production");
    for (const handler of [GET, PUT]) {
      const response = await (handler as (r: Request, c: unknown) => Promise<Response>)(
        new Request("http://localhost/api/inngest", { method: "PUT" }),
        {},
      );
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ message: expect.stringContaining("runs in-process") });
    }
  });
});
