// The hosted checkout's form as a browser without JavaScript posts it to app/pay/[id]/route.ts:
// fields checked, the prompt sent through the core, 303 to the waiting page that reloads itself;
// refusals rendered server-side with the number put back; posts from other sites refused.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { simulatorCredentials, upsertMpesaCredential } from "@/lib/merchants/mpesa-credentials";
import { type Simulator, startSimulator } from "@/lib/simulator/server";
import { createCheckoutSession, createMerchant } from "../factories";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const keyring = stubAppEnv(testDatabaseUrl());
const NONCE = "bm9uY2Utb2YtdGhpcy10ZXN0";

describe("hosted checkout form", () => {
  const db = testDb();
  let sim: Simulator;
  let merchantId = "";

  beforeAll(async () => {
    sim = await startSimulator({ promptTimeoutMs: 60_000 });
    vi.stubEnv("MPESA_BASE_URL", sim.url);
    vi.stubEnv("APP_URL", "http://127.0.0.1:9");
    const merchant = await createMerchant(db, { environment: "simulator", name: "Duka <Bora>" });
    await upsertMpesaCredential(db, keyring, merchant.id, simulatorCredentials(sim.certificatePem));
    merchantId = merchant.id;
  });

  afterAll(async () => {
    await sim.close();
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  const route = () => import("@/app/pay/[id]/route");
  const headers = (extra: Record<string, string> = {}) => ({
    Host: "pay.example",
    "Content-Security-Policy": `script-src 'self' 'nonce-${NONCE}' 'strict-dynamic'`,
    ...extra,
  });

  async function post(id: string, body: string, extra: Record<string, string> = {}) {
    const { POST } = await route();
    const res = await POST(
      new Request(`http://pay.example/pay/${id}`, {
        method: "POST",
        headers: headers({
          "Content-Type": "application/x-www-form-urlencoded",
          Origin: "http://pay.example",
          ...extra,
        }),
        body,
      }),
      { params: Promise.resolve({ id }) },
    );
    return { status: res.status, headers: res.headers, html: await res.text() };
  }

  async function get(id: string) {
    const { GET } = await route();
    const res = await GET(new Request(`http://pay.example/pay/${id}`, { headers: headers() }), {
      params: Promise.resolve({ id }),
    });
    return { status: res.status, headers: res.headers, html: await res.text() };
  }

  const checkout = (reference: string, extra: { expiresAt?: Date } = {}) =>
    createCheckoutSession(db, { merchantId, amount: 1250, reference, ...extra });
  const payments = (checkoutSessionId: string) => db.payment.count({ where: { checkoutSessionId } });

  it("an open checkout is a plain form that posts to itself, with the one script under this response's nonce", async () => {
    const session = await checkout("FORM-1");
    const page = await get(session.id);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.html).toContain(`<form id="pay" method="post" action="/pay/${session.id}">`);
    expect(page.html).toMatch(
      /<label>\s*<span[^>]*>M-Pesa phone number<\/span>\s*<input id="phone" name="phone"/,
    );
    expect(page.html).toContain("Duka &lt;Bora&gt;");
    expect(page.html).not.toContain("<Bora>");
    const scripts = [...page.html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    expect(scripts).toEqual([` nonce="${NONCE}"`]);
    expect(page.html).not.toContain('http-equiv="refresh"');
  });

  it("a good number sends one prompt and answers 303 to the waiting page, which reloads itself", async () => {
    const session = await checkout("FORM-2");
    const answer = await post(session.id, "phone=0722+000+501");
    expect(answer.status).toBe(303);
    expect(answer.headers.get("location")).toBe(`/pay/${session.id}`);
    expect(await payments(session.id)).toBe(1);

    const waiting = await get(session.id);
    expect(waiting.html).toContain("Check your phone");
    expect(waiting.html).toContain("2547•••••501");
    expect(waiting.html).not.toContain("254722000501");
    expect(waiting.html).toContain(
      `<noscript><meta http-equiv="refresh" content="3;url=/pay/${session.id}"></noscript>`,
    );
    expect(waiting.html).toContain(`data-status="/api/pay/${session.id}"`);
    expect(waiting.html).not.toContain("<form");
  });

  it("takes the form as multipart too (a browser sends that for enctype=multipart/form-data)", async () => {
    const session = await checkout("FORM-6");
    const body = new FormData();
    body.set("phone", "0722000506");
    const { POST } = await route();
    const res = await POST(
      new Request(`http://pay.example/pay/${session.id}`, {
        method: "POST",
        headers: headers({ Origin: "http://pay.example" }),
        body,
      }),
      { params: Promise.resolve({ id: session.id }) },
    );
    expect(res.status).toBe(303);
    expect(await payments(session.id)).toBe(1);
  });

  it("a bad number is refused on the page, the number put back, the field marked and focused", async () => {
    const session = await checkout("FORM-3");
    const answer = await post(session.id, `phone=${encodeURIComponent('0712"><b>x')}`);
    expect(answer.status).toBe(422);
    expect(answer.html).toMatch(
      /<p role="alert" class="alert" id="pay-error">Phone numbers contain only digits\./,
    );
    expect(answer.html).toContain('value="0712&quot;&gt;&lt;b&gt;x"');
    expect(answer.html).toContain(
      'aria-describedby="phone-help pay-error" aria-invalid="true" data-error="1" autofocus',
    );
    expect(answer.html).toContain(`nonce="${NONCE}"`);
    expect((await post(session.id, "phone=")).html).toContain("Enter a phone number.");
    expect((await post(session.id, "other=1")).status).toBe(422);
    expect(await payments(session.id)).toBe(0);
  });

  it("a phone over its prompt limit hears how long to wait (429, Retry-After), the number kept", async () => {
    const phone = "0722000502";
    for (const n of [1, 2, 3])
      expect((await post((await checkout(`LIMIT-${n}`)).id, `phone=${phone}`)).status).toBe(303);
    const session = await checkout("LIMIT-4");
    const answer = await post(session.id, `phone=${phone}`);
    expect(answer.status).toBe(429);
    expect(Number(answer.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answer.html).toMatch(/Too many prompts to this phone\. Try again in \d+ seconds\./);
    expect(answer.html).toContain(`value="${phone}"`);
    expect(await payments(session.id)).toBe(0);
  });

  it("an expired link says so instead of sending a prompt", async () => {
    const session = await checkout("FORM-4", { expiresAt: new Date(Date.now() - 60_000) });
    const answer = await post(session.id, "phone=0722000503");
    expect(answer.status).toBe(409);
    expect(answer.html).toContain("This payment link has expired. Ask the merchant for a new one.");
    expect(answer.html).not.toContain("<script");
    expect(await payments(session.id)).toBe(0);
  });

  it("refuses posts from other sites and anything that is not a small form, sending nothing", async () => {
    const session = await checkout("FORM-5");
    expect((await post(session.id, "phone=0722000504", { Origin: "https://evil.example" })).status).toBe(403);
    expect((await post(session.id, "phone=0722000504", { Origin: "null" })).status).toBe(403);
    expect((await post(session.id, "phone=0722000504", { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    expect(
      (await post(session.id, '{"phone":"0722000504"}', { "Content-Type": "application/json" })).status,
    ).toBe(415);
    expect((await post(session.id, `phone=0722000504&pad=${"x".repeat(5000)}`)).status).toBe(415);
    expect(await payments(session.id)).toBe(0);
  });

  it("an unknown or malformed link is a 404 page", async () => {
    expect((await get("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await get("not-a-uuid")).status).toBe(404);
    expect((await post("not-a-uuid", "phone=0722000505")).status).toBe(404);
  });
});
