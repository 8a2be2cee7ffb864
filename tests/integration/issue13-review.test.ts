// Review of issue 13's first part: each test failed before its fix. Traces exported over OTLP carry
// no callback secret; a review item and its review_item.opened event commit together; webhook
// targets behind IPv6 forms that embed an IPv4 address (or are private by another name) are refused.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type ProxyTracerProvider, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { startTracing } from "@/lib/observability/tracing";
import { openReviewItem } from "@/lib/payments/review/open-review-item";
import { assertAllowedUrl, isPublicAddress } from "@/lib/webhooks/safe-target";
import { createMerchant } from "../factories";
import { testDb } from "./db";

describe("tracing", () => {
  let server: Server | undefined;
  afterAll(async () => {
    delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("exports no callback secret from a request span's path (Next's http.target)", async () => {
    const bodies: string[] = [];
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (c: Buffer) => chunks.push(c));
      request.on("end", () => {
        bodies.push(Buffer.concat(chunks).toString("utf8"));
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    // The exporter reads the standard variable itself, as in production.
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = endpoint;
    expect(await startTracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint })).toBe(true);

    const merchantId = "5b0f8a36-2f6c-4c61-9d0e-0d3f5f1b9a11";
    const secret = "cbsecretXq9W2mZk7hT4";
    // What Next's BaseServer.handleRequest span records for a Daraja callback.
    const span = trace.getTracer("next.js").startSpan("POST", {
      attributes: { "http.method": "POST", "http.target": `/api/mpesa/stk/${merchantId}/${secret}` },
    });
    span.recordException(new Error(`fetch failed for /api/mpesa/b2c-result/${merchantId}/${secret}`));
    span.end();
    const provider = (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as unknown as {
      forceFlush(): Promise<void>;
    };
    await provider.forceFlush();

    const exported = bodies.join("\n");
    expect(exported).toContain(`/api/mpesa/stk/${merchantId}/`);
    expect(exported).not.toContain(secret);
  });
});

describe("review_item.opened", () => {
  const db = testDb();

  it("is recorded in the same transaction as the review item, even when the caller passes no transaction", async () => {
    const merchant = await createMerchant(db);
    // The event's insert fails (as a crash between the two writes would leave it): the review item
    // must not be left behind without its event, or a retry finds the item and never records it.
    await db.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION issue13_refuse_event() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'event refused by the test'; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`
      CREATE TRIGGER issue13_refuse_event BEFORE INSERT ON events FOR EACH ROW
      WHEN (NEW.type = 'review_item.opened') EXECUTE FUNCTION issue13_refuse_event()`);
    try {
      await expect(
        openReviewItem(db, { merchantId: merchant.id, kind: "malformed_callback", actual: { error: "x" } }),
      ).rejects.toThrow();
    } finally {
      await db.$executeRawUnsafe("DROP TRIGGER issue13_refuse_event ON events");
      await db.$executeRawUnsafe("DROP FUNCTION issue13_refuse_event()");
    }
    expect(await db.reviewItem.count({ where: { merchantId: merchant.id } })).toBe(0);

    await openReviewItem(db, { merchantId: merchant.id, kind: "malformed_callback", actual: { error: "x" } });
    expect(await db.reviewItem.count({ where: { merchantId: merchant.id } })).toBe(1);
    expect(await db.event.count({ where: { merchantId: merchant.id, type: "review_item.opened" } })).toBe(1);
  });
});

describe("webhook targets", () => {
  it.each([
    "::7f00:1", // IPv4-compatible ::127.0.0.1
    "::a9fe:a9fe", // ::169.254.169.254
    "2002:7f00:1::1", // 6to4 around 127.0.0.1
    "2002:a00:1::1", // 6to4 around 10.0.0.1
    "64:ff9b:1::a00:1", // local-use NAT64 (RFC 8215) around 10.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "fec0::1", // site-local (deprecated, still routed privately)
  ])("refuses %s", (address) => {
    expect(isPublicAddress(address)).toBe(false);
    expect(() => assertAllowedUrl(`https://[${address}]/hooks`, { production: true })).toThrow(
      /public address/,
    );
  });

  it.each(["8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("still allows %s", (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});
