// A webhook attempt is observed as a finished span with the event's and endpoint's ids, never the
// URL, its query string or the secret.
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, describe, expect, it } from "vitest";
import { countWebhookAttempt } from "@/lib/background/webhook-metrics";
import type { WebhookAttempt } from "@/prisma/generated/prisma/client";

describe("webhook attempt span", () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  const attempt = (statusCode: number | null): WebhookAttempt => ({
    id: "att-1",
    merchantId: "mer-1",
    deliveryId: "del-1",
    endpointId: "end-1",
    attemptedAt: new Date("2026-12-02T10:00:00Z"),
    statusCode,
    latencyMs: 42,
    error: statusCode === null ? "hooks.example.com resolves to an address webhooks may not reach." : null,
    responseExcerpt: "ok",
    manual: false,
  });

  it("carries event id and type and the endpoint id, timed as the attempt, with no URL or secret", () => {
    countWebhookAttempt({
      outcome: "delivered",
      attempt: attempt(200),
      event: { id: "evt-1", type: "payment.paid" },
    });
    countWebhookAttempt({
      outcome: "retrying",
      attempt: attempt(null),
      event: { id: "evt-2", type: "payout.paid" },
      refused: true,
    });
    const [ok, refused] = exporter.getFinishedSpans().filter((span) => span.name === "webhook attempt");
    expect(ok?.attributes).toMatchObject({
      "malipo.event_id": "evt-1",
      "malipo.event_type": "payment.paid",
      "malipo.webhook_endpoint_id": "end-1",
      "malipo.webhook_delivery_id": "del-1",
      "http.response.status_code": 200,
    });
    expect(ok?.status.code).toBe(0);
    expect(ok?.duration).toEqual([0, 42_000_000]);
    expect(refused?.attributes).toMatchObject({
      "malipo.event_id": "evt-2",
      "malipo.webhook.outcome": "retrying",
    });
    expect(refused?.status.message).toBe("no answer (refused)");
    const all = JSON.stringify(exporter.getFinishedSpans().map((s) => [s.attributes, s.status]));
    expect(all).not.toMatch(/example\.com|https?:|token=|whsec/);
  });
});
