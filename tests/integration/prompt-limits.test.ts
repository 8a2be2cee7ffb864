// Prompts to a customer's phone, through the real REST API route and the hosted checkout's form handler:
// the per-phone limit counts only prompts about to be sent, is shared by every merchant and entry
// point, never keys on the number itself; one checkout never has two prompts in flight.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { lookupHash } from "@/lib/crypto/seal";
import { simulatorCredentials, upsertMpesaCredential } from "@/lib/merchants/mpesa-credentials";
import { generateApiKey } from "@/lib/security/api-keys";
import { API_SCOPE_NAMES } from "@/lib/security/api-scopes";
import { type Simulator, startSimulator } from "@/lib/simulator/server";
import { createCheckoutSession, createMerchant } from "../factories";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const keyring = stubAppEnv(testDatabaseUrl());

describe("prompt limits and one prompt per checkout", () => {
  const db = testDb();
  let sim: Simulator;
  const keys: Record<"a" | "b", string> = { a: "", b: "" };
  const merchants: Record<"a" | "b", string> = { a: "", b: "" };

  beforeAll(async () => {
    sim = await startSimulator({ autoAnswerMs: 20, promptTimeoutMs: 60_000 });
    vi.stubEnv("MPESA_BASE_URL", sim.url);
    vi.stubEnv("APP_URL", "http://127.0.0.1:9");
    for (const name of ["a", "b"] as const) {
      const merchant = await createMerchant(db, { environment: "simulator" });
      await upsertMpesaCredential(db, keyring, merchant.id, simulatorCredentials(sim.certificatePem));
      const key = generateApiKey("simulator");
      await db.apiKey.create({
        data: { merchantId: merchant.id, name, prefix: key.prefix, hash: key.hash, scopes: API_SCOPE_NAMES },
      });
      keys[name] = key.key;
      merchants[name] = merchant.id;
    }
  });

  afterAll(async () => {
    await sim.close();
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  const post = async (
    merchant: "a" | "b",
    body: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<Response> => {
    const { POST } = await import("@/app/api/v1/payments/route");
    return POST(
      new Request("http://localhost/api/v1/payments", {
        method: "POST",
        headers: {
          Authorization: `Bearer ${keys[merchant]}`,
          "Content-Type": "application/json",
          ...(idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {}),
        },
        body: JSON.stringify(body),
      }),
      { params: Promise.resolve({}) },
    );
  };
  const prompt = (phone: string, reference = "ORDER-1") => ({ amount: 10, phone, reference });
  const statuses = async (calls: (() => Promise<Response>)[]) => {
    const out: number[] = [];
    for (const call of calls) out.push((await call()).status);
    return out;
  };
  const simPrompts = async (msisdn: string) => {
    const state = (await (await fetch(`${sim.url}/sim/state`)).json()) as { prompts: { msisdn: string }[] };
    return state.prompts.filter((p) => p.msisdn === msisdn).length;
  };

  it("a request refused as invalid uses none of the phone's prompts", async () => {
    const phone = "254711100001";
    expect(
      await statuses([
        () => post("a", { ...prompt(phone), amount: 0 }),
        () => post("a", { ...prompt(phone), reference: "MUCH-TOO-LONG-REF" }),
        () => post("a", { ...prompt(phone), amount: 1.5 }),
      ]),
    ).toEqual([422, 422, 422]);
    expect(await statuses([1, 2, 3].map((n) => () => post("a", prompt(phone, `R${n}`))))).toEqual([
      201, 201, 201,
    ]);
    const limited = await post("a", prompt(phone, "R4"));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    expect(await db.payment.count({ where: { reference: "R4" } })).toBe(0);
  });

  it("an idempotent retry returns the original payment even once the phone is at its limit", async () => {
    const phone = "254711100002";
    const first = await post("a", prompt(phone, "IDEM-1"), "order-idem-1");
    expect(first.status).toBe(201);
    const original = (await first.json()) as { id: string };
    expect(await statuses([2, 3, 4].map((n) => () => post("a", prompt(phone, `IDEM-${n}`))))).toEqual([
      201, 201, 429,
    ]);
    for (let i = 0; i < 3; i += 1) {
      const replay = await post("a", prompt(phone, "IDEM-1"), "order-idem-1");
      expect(replay.status).toBe(201);
      expect(((await replay.json()) as { id: string }).id).toBe(original.id);
    }
  });

  it("two merchants prompting one phone share its limit", async () => {
    const phone = "254711100003";
    expect(
      await statuses([
        () => post("a", prompt(phone, "SHARE-1")),
        () => post("a", prompt(phone, "SHARE-2")),
        () => post("b", prompt(phone, "SHARE-3")),
        () => post("b", prompt(phone, "SHARE-4")),
        () => post("a", prompt(phone, "SHARE-5")),
      ]),
    ).toEqual([201, 201, 201, 429, 429]);
  });

  it("the hosted checkout obeys the same limit, with a clear message", async () => {
    const phone = "254711100004";
    expect(await statuses([1, 2, 3].map((n) => () => post("b", prompt(phone, `CHK-${n}`))))).toEqual([
      201, 201, 201,
    ]);
    const session = await createCheckoutSession(db, {
      merchantId: merchants.a,
      amount: 50,
      reference: "LIMITED",
    });
    const { payCheckout } = await import("@/app/pay/[id]/pay-checkout");
    const answer = await payCheckout(session.id, { phone: "0711100004" });
    expect(answer.ok ? null : answer.message).toMatch(
      /Too many prompts to this phone\. Try again in \d+ seconds\./,
    );
    expect(await db.payment.count({ where: { checkoutSessionId: session.id } })).toBe(0);
  });

  it("no rate-limit key holds a phone number: prompts are keyed on the phone's lookup hash", async () => {
    const rows = await db.rateLimit.findMany({ select: { key: true } });
    expect(rows.length).toBeGreaterThan(0);
    for (const { key } of rows) {
      for (const n of [1, 2, 3, 4, 5]) expect(key).not.toContain(`71110000${n}`);
    }
    expect(rows.map((r) => r.key)).toContain(`prompt:phone:${lookupHash(keyring, "254711100001", "phone")}`);
  });

  it("five quick submits of one checkout start one payment and one prompt", async () => {
    const session = await createCheckoutSession(db, {
      merchantId: merchants.a,
      amount: 75,
      reference: "RACE-1",
    });
    const { payCheckout } = await import("@/app/pay/[id]/pay-checkout");
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map(() => payCheckout(session.id, { phone: "0711100005" })),
    );
    expect(await db.payment.count({ where: { checkoutSessionId: session.id } })).toBe(1);
    expect(await simPrompts("254711100005")).toBe(1);
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const refused of answers)
      if (!refused.ok) expect(refused.message).toMatch(/A prompt was already sent/);
  });
});
