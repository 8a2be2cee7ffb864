// /docs/api renders every documented operation, the webhooks and the schemas as plain HTML: no
// script of its own (the page must suit the nonce-based Content-Security-Policy).
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import ApiReferencePage from "@/app/docs/api/page";
import { API_OPERATIONS } from "@/lib/api/openapi";

vi.mock("@/lib/env", () => ({ getEnv: () => ({}), appUrl: () => "https://malipo.example" }));

describe("API reference page", () => {
  const html = renderToStaticMarkup(ApiReferencePage());

  it("lists every operation with its schemas as tables", () => {
    for (const op of API_OPERATIONS) expect(html).toContain(`>${op.path}</span>`);
    expect(html.match(/<article/g)?.length).toBe(API_OPERATIONS.length);
    expect(html).toContain('id="schema-CreatePayout"');
    expect(html).toContain('id="schema-WebhookPayload.payment.paid"');
    expect(html).toContain("Idempotency-Key (header)");
    expect(html).toContain("https://malipo.example");
  });

  it("ships no script", () => {
    expect(html).not.toContain("<script");
  });
});

describe("GET /api/v1/openapi.json", () => {
  it("answers the document, public and cacheable", async () => {
    const { GET } = await import("@/app/api/v1/openapi.json/route");
    const response = GET();
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const doc = await response.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "https://malipo.example" }]);
  });
});
