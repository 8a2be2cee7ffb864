// One trace from initiation to webhook although M-Pesa's callbacks carry no trace headers: the
// initiating span's traceparent is stored on the payment or payout and the callback's settlement,
// follow-up queries and webhook posts continue it (lib/observability/tracing.ts). Spans are read
// from an in-memory exporter; the Daraja ones carry ids, never secrets. With tracing off nothing
// is stored.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { context, type SpanContext, trace } from "@opentelemetry/api";
import {
  InMemorySpanExporter,
  NodeTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installObservability } from "@/lib/observability/install";
import {
  currentTraceparent,
  redactingProcessor,
  withSpan,
  withStoredTrace,
} from "@/lib/observability/tracing";
import { handleCallbackRequest } from "@/lib/payments/callbacks/handle-callback-request";
import { processInboxEntry } from "@/lib/payments/callbacks/process-inbox-entry";
import { buildAllowlist } from "@/lib/payments/callbacks/receive-callback";
import { followUpStkPayment } from "@/lib/payments/collections/follow-up-stk-payment";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import { SANDBOX_STK_SHORTCODE } from "@/lib/payments/daraja/environments";
import { setPaymentsObserver } from "@/lib/payments/observer";
import { followUpPayout } from "@/lib/payments/payouts/follow-up-payout";
import { submitPayout } from "@/lib/payments/payouts/submit-payout";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deliverDueWebhooks } from "@/lib/webhooks/deliver-due-webhooks";
import type { PostWebhook } from "@/lib/webhooks/post-webhook";
import { createPayment, createPayout } from "../factories";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { testDb } from "./db";

// One phone per prompt: the simulator refuses a second prompt to a phone with one in flight.
const PHONES = ["254712345601", "254712345602", "254712345603"] as const;
const fixture = JSON.parse(
  readFileSync(path.resolve(__dirname, "../fixtures/daraja/stk_callback-success-docs.json"), "utf8"),
);

describe("tracing from initiation to webhook", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  const posted: string[] = [];
  const post: PostWebhook = async ({ body }) => {
    posted.push(body);
    return { statusCode: 200, error: null, excerpt: "ok", latencyMs: 1 };
  };
  const webhookDeps = () => ({ keyring: world.deps.keyring, production: false, post });

  /** An STK callback for `payment` as M-Pesa sends it, through the route's core calls and spans. */
  async function sendStkCallback(
    payment: { checkoutRequestId: string | null; amount: number },
    phone: string,
  ) {
    const body = structuredClone(fixture);
    const cb = body.Body.stkCallback;
    cb.CheckoutRequestID = payment.checkoutRequestId;
    cb.CallbackMetadata.Item[0].Value = payment.amount;
    cb.CallbackMetadata.Item[1].Value = `TR${Date.now().toString(36).toUpperCase()}`.slice(0, 10);
    cb.CallbackMetadata.Item[4].Value = Number(phone);
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: world.merchant.id } });
    let receive: SpanContext | undefined;
    let process: SpanContext | undefined;
    // As app/api/mpesa/…/route.ts does: the request's own span, then the handed-off processing.
    const inboxId = await withSpan("callback receive", {}, async (span) => {
      receive = span.spanContext();
      const result = await handleCallbackRequest(db, {
        path: "stk",
        merchantId: merchant.id,
        secret: merchant.callbackSecret,
        body: JSON.stringify(body),
        sourceIp: "127.0.0.1",
        headers: {},
        allowlist: buildAllowlist(["196.201.214.200"]),
        spoolDir: world.spoolDir,
      });
      return result.inboxId;
    });
    expect(inboxId).toBeTruthy();
    const outcome = await withSpan("callback process", {}, async (span) => {
      process = span.spanContext();
      return processInboxEntry(db, { keyring: world.deps.keyring, inboxId: inboxId as string });
    });
    expect(outcome).toBe("processed");
    return { receive: receive as SpanContext, process: process as SpanContext };
  }

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    await createWebhookEndpoint(db, {
      keyring: world.deps.keyring,
      production: false,
      merchantId: world.merchant.id,
      actor: { type: "user", id: null, label: "Test owner" },
      input: { url: "http://127.0.0.1:9/hook", eventTypes: [] },
    });
  });
  afterAll(() => world.close());

  describe("with tracing off (no tracer provider registered)", () => {
    it("stores no trace context on payments, payouts or events", async () => {
      await world.control("POST", "/sim/outcomes", { api: "stk", resultCode: "0", delayMs: 600_000 });
      const payment = await initiateStkPayment(db, world.deps, {
        merchantId: world.merchant.id,
        amount: 40,
        phone: PHONES[0],
        reference: "OFF-1",
      });
      expect(currentTraceparent()).toBeNull();
      await sendStkCallback(payment, PHONES[0]);
      expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
        status: "paid",
        traceContext: null,
      });
      const events = await db.event.findMany({ where: { objectId: payment.id } });
      expect(events.map((e) => [e.type, e.traceContext])).toEqual([["payment.paid", null]]);

      const p = await createPayout(db, { merchantId: world.merchant.id, keyring: world.deps.keyring });
      expect((await submitPayout(db, world.deps, { payoutId: p.id })).outcome).toBe("submitted");
      // Settled while tracing is still off (its Result comes through the test world's callback server).
      const paid = await waitUntil(
        () => db.payout.findUniqueOrThrow({ where: { id: p.id } }),
        (row) => row.status === "paid",
      );
      expect(paid.traceContext).toBeNull();
      const payoutEvent = await db.event.findFirstOrThrow({ where: { objectId: p.id, type: "payout.paid" } });
      expect(payoutEvent.traceContext).toBeNull();
      await world.control("DELETE", "/sim/outcomes");
    });
  });

  describe("with tracing on", () => {
    const exporter = new InMemorySpanExporter();
    // As startTracing exports: through the redacting processor. (Without it a CheckoutRequestID,
    // which carries the payer's number, was checked raw; the check then failed whenever the
    // milliseconds in the id read 254, joining the number into a whole 2547… one.)
    const provider = new NodeTracerProvider({
      spanProcessors: [redactingProcessor(new SimpleSpanProcessor(exporter))],
    });
    const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
    const one = (name: string): ReadableSpan => {
      const found = spans(name);
      expect(found, name).toHaveLength(1);
      return found[0] as ReadableSpan;
    };
    const traceOf = (traceparent: string | null) => traceparent?.split("-")[1];

    beforeAll(() => {
      provider.register();
      installObservability();
    });
    afterAll(async () => {
      setPaymentsObserver(undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
    });

    it("STK initiation, follow-up query, callback settlement, event and webhook post share one trace; the callback's own trace is linked", async () => {
      // The callback only comes when this test sends it; until then a query finds the prompt open.
      await world.control("POST", "/sim/outcomes", { api: "stk", resultCode: "0", delayMs: 600_000 });
      const payment = await withSpan("api POST", {}, () =>
        initiateStkPayment(db, world.deps, {
          merchantId: world.merchant.id,
          amount: 70,
          phone: PHONES[1],
          reference: "TRACE-1",
        }),
      );
      const root = one("api POST");
      const traceId = root.spanContext().traceId;
      expect(traceOf(payment.traceContext)).toBe(traceId);
      expect(payment.traceContext).toBe(`00-${traceId}-${root.spanContext().spanId}-01`);

      expect(await followUpStkPayment(db, world.deps, { paymentId: payment.id })).toBe("still_pending");
      const { receive, process } = await sendStkCallback(payment, PHONES[1]);
      await db.event.findFirstOrThrow({ where: { objectId: payment.id, type: "payment.paid" } });
      expect((await deliverDueWebhooks(db, webhookDeps())).delivered).toBeGreaterThan(0);
      expect(posted.at(-1)).toContain(payment.id);

      const followUp = one("payment follow-up");
      const settle = one("payment settle");
      const settled = one("payment.settled");
      const event = await db.event.findFirstOrThrow({
        where: { objectId: payment.id, type: "payment.paid" },
      });
      const webhook = spans("webhook post").find((s) => s.attributes["malipo.event_id"] === event.id);
      if (!webhook) throw new Error("no webhook post span for the payment's event");
      for (const span of [followUp, settle, settled, webhook, ...spans("daraja stkpushquery_query")])
        expect(span.spanContext().traceId, span.name).toBe(traceId);
      expect(spans("daraja stkpushquery_query").length).toBeGreaterThan(0);
      expect(spans("daraja stkpush_processrequest")[0]?.spanContext().traceId).toBe(traceId);
      expect(settle.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(settle.attributes).toMatchObject({ "malipo.payment_id": payment.id });

      // The callback request keeps its own trace; the settlement links to it.
      expect(receive.traceId).not.toBe(traceId);
      expect(one("callback receive").spanContext().traceId).toBe(receive.traceId);
      expect(settle.links.map((l) => l.context.spanId)).toEqual([process.spanId]);

      expect(traceOf(event.traceContext)).toBe(traceId);
      expect(event.traceContext?.split("-")[2]).toBe(settle.spanContext().spanId);
      expect(webhook.parentSpanContext?.spanId).toBe(settle.spanContext().spanId);
      await world.control("DELETE", "/sim/outcomes");
    });

    it("a payout's submission, Result settlement and event share one trace", async () => {
      const p = await createPayout(db, {
        merchantId: world.merchant.id,
        keyring: world.deps.keyring,
        phone: PHONES[2],
        amount: 120,
      });
      // The simulator's Result reaches the test world's callback server, processed with no span of
      // its own, as a replay or reconciliation would: the stored context still parents it.
      expect((await submitPayout(db, world.deps, { payoutId: p.id })).outcome).toBe("submitted");
      const done = await waitUntil(
        () => db.payout.findUniqueOrThrow({ where: { id: p.id } }),
        (row) => row.status === "paid",
      );
      const submit = one("payout submit");
      const traceId = submit.spanContext().traceId;
      expect(traceOf(done.traceContext)).toBe(traceId);
      // The Result is processed by the world's server, perhaps just after the row turned paid.
      const [settle] = await waitUntil(
        async () => spans("payout settle").filter((span) => span.attributes["malipo.payout_id"] === p.id),
        (found) => found.length === 1,
      );
      expect(settle?.spanContext().traceId).toBe(traceId);
      expect(one("daraja b2c_paymentrequest").spanContext().traceId).toBe(traceId);
      const event = await db.event.findFirstOrThrow({ where: { objectId: p.id, type: "payout.paid" } });
      expect(traceOf(event.traceContext)).toBe(traceId);
    });

    it("a payout's Transaction Status query continues the trace stored at its submission", async () => {
      let stored: string | null = null;
      await withSpan("earlier submission", {}, async () => {
        stored = currentTraceparent();
      });
      const p = await createPayout(db, {
        merchantId: world.merchant.id,
        keyring: world.deps.keyring,
        status: "unknown",
        originatorConversationId: randomUUID(),
        submittedAt: new Date(Date.now() - 10 * 60_000),
        traceContext: stored,
      });
      expect(await followUpPayout(db, world.deps, { payoutId: p.id })).toBe("queried");
      const followUp = spans("payout follow-up").find((span) => span.attributes["malipo.payout_id"] === p.id);
      expect(followUp?.spanContext().traceId).toBe(traceOf(stored));
      const query = spans("daraja transactionstatus_query").find(
        (span) => span.parentSpanContext?.spanId === followUp?.spanContext().spanId,
      );
      expect(query?.spanContext().traceId).toBe(traceOf(stored));
    });

    it("Daraja spans carry request ids but no secrets, tokens or phone numbers", async () => {
      const merchant = await db.merchant.findUniqueOrThrow({ where: { id: world.merchant.id } });
      const daraja = exporter.getFinishedSpans().filter((s) => s.name.startsWith("daraja "));
      expect(daraja.map((s) => s.name)).toEqual(
        expect.arrayContaining(["daraja stkpush_processrequest", "daraja b2c_paymentrequest"]),
      );
      const stk = daraja.find((s) => s.name === "daraja stkpush_processrequest");
      expect(stk?.attributes["malipo.daraja.checkout_request_id"]).toMatch(/^ws_CO_/);
      const b2c = daraja.find((s) => s.name === "daraja b2c_paymentrequest");
      expect(b2c?.attributes["malipo.daraja.conversation_id"]).toMatch(/^AG_/);
      expect(b2c?.attributes["malipo.daraja.originator_conversation_id"]).toBeTruthy();
      const everything = JSON.stringify(
        exporter
          .getFinishedSpans()
          .map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })),
      );
      for (const secret of [
        "Password",
        "SecurityCredential",
        "access_token",
        "Bearer",
        "simulator-secret",
        "Safaricom999",
        merchant.callbackSecret,
        ...PHONES,
      ])
        expect(everything).not.toContain(secret);
      expect(Object.keys(Object.assign({}, ...daraja.map((s) => s.attributes))).sort()).toEqual(
        expect.not.arrayContaining([expect.stringMatching(/password|credential|token|secret|phone/i)]),
      );
    });

    it("the sweep's queries and decisions continue each payment's stored trace, its event too", async () => {
      const stored: string[] = [];
      for (let i = 0; i < 2; i++)
        await withSpan(`earlier initiation ${i}`, {}, async () => {
          stored.push(currentTraceparent() ?? "");
        });
      const stamp = Date.now();
      const payments = [];
      for (const [i, traceContext] of stored.entries()) {
        const checkoutRequestId = `ws_CO_traced_${stamp}_${i}`;
        // The first is known to the simulator as paid; the second never was, so it times out.
        if (i === 0)
          world.sim.state.prompts.set(checkoutRequestId, {
            checkoutRequestId,
            merchantRequestId: `m-${checkoutRequestId}`,
            msisdn: "254700000000",
            amount: 100,
            shortcode: SANDBOX_STK_SHORTCODE,
            partyB: SANDBOX_STK_SHORTCODE,
            accountReference: "TRACED",
            description: "Traced",
            callbackUrl: "http://127.0.0.1:9/unused",
            createdAt: new Date(Date.now() - 5 * 60_000),
            state: "done",
            resultCode: "0",
            resultDesc: "The service request is processed successfully.",
          });
        payments.push(
          await createPayment(db, {
            merchantId: world.merchant.id,
            checkoutRequestId,
            traceContext,
            createdAt: new Date(Date.now() - 5 * 60_000),
          }),
        );
      }
      await reconcilePayments(db, world.deps, { spoolDir: world.spoolDir });
      for (const [i, payment] of payments.entries()) {
        const traceId = traceOf(stored[i] ?? null);
        const event = await db.event.findFirstOrThrow({ where: { objectId: payment.id } });
        expect(event.type).toBe(i === 0 ? "payment.paid" : "payment.timed_out");
        expect(traceOf(event.traceContext)).toBe(traceId);
        for (const name of ["payment follow-up", "payment decision"]) {
          const span = spans(name).find((s) => s.attributes["malipo.payment_id"] === payment.id);
          expect(span?.spanContext().traceId, name).toBe(traceId);
        }
      }
    });

    it("a stored traceparent that does not parse falls back to an ordinary span", async () => {
      await withSpan("outer", {}, () => withStoredTrace("00-not-a-trace", "inner", {}, async () => null));
      expect(one("inner").parentSpanContext?.spanId).toBe(one("outer").spanContext().spanId);
      expect(one("inner").links).toEqual([]);
    });
  });
});
