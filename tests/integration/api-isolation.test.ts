// The REST API's id-taking endpoints, called as Next calls them, with two merchants' keys.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { generateKeyringSpec } from "@/lib/crypto/keyring";
import { generateApiKey } from "@/lib/security/api-keys";
import { API_SCOPE_NAMES } from "@/lib/security/api-scopes";
import { createMerchant } from "../factories";
import { testDatabaseUrl, testDb } from "./db";

vi.stubEnv("DATABASE_URL", testDatabaseUrl());
vi.stubEnv("AUTH_SECRET", "x".repeat(32));
vi.stubEnv("MALIPO_ENCRYPTION_KEYS", generateKeyringSpec("t1"));

describe("REST API tenant isolation", () => {
  const db = testDb();
  const keys: Record<"a" | "b", string> = { a: "", b: "" };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const name of ["a", "b"] as const) {
      const merchant = await createMerchant(db);
      const key = generateApiKey("simulator");
      await db.apiKey.create({
        data: { merchantId: merchant.id, name, prefix: key.prefix, hash: key.hash, scopes: API_SCOPE_NAMES },
      });
      keys[name] = key.key;
      const session = await db.checkoutSession.create({
        data: {
          merchantId: merchant.id,
          amount: 100,
          reference: `REF-${name}`,
          expiresAt: new Date(Date.now() + 3_600_000),
        },
      });
      const payment = await db.payment.create({
        data: {
          merchantId: merchant.id,
          amount: 100,
          phoneSealed: "x",
          phoneHash: `h-${name}`,
          phoneMasked: "2547•••••000",
          reference: `REF-${name}`,
        },
      });
      ids[`session-${name}`] = session.id;
      ids[`payment-${name}`] = payment.id;
    }
  });

  const call = async (
    path: string,
    handler: (req: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>,
    id: string,
    key: string,
  ) =>
    handler(new Request(`http://localhost${path}/${id}`, { headers: { Authorization: `Bearer ${key}` } }), {
      params: Promise.resolve({ id }),
    });

  it("answers 404 for another merchant's payment and checkout session, 200 for one's own", async () => {
    const payments = await import("@/app/api/v1/payments/[id]/route");
    const sessions = await import("@/app/api/v1/checkout-sessions/[id]/route");
    expect((await call("/api/v1/payments", payments.GET, ids["payment-a"] ?? "", keys.a)).status).toBe(200);
    const foreign = await call("/api/v1/payments", payments.GET, ids["payment-a"] ?? "", keys.b);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual({
      error: { code: "not_found", message: "No payment with this id." },
    });
    expect(
      (await call("/api/v1/checkout-sessions", sessions.GET, ids["session-b"] ?? "", keys.b)).status,
    ).toBe(200);
    expect(
      (await call("/api/v1/checkout-sessions", sessions.GET, ids["session-b"] ?? "", keys.a)).status,
    ).toBe(404);
  });

  it("lists only the caller's payments, and refuses a revoked key", async () => {
    const list = await import("@/app/api/v1/payments/route");
    const res = await list.GET(
      new Request("http://localhost/api/v1/payments", { headers: { Authorization: `Bearer ${keys.b}` } }),
      {
        params: Promise.resolve({}),
      },
    );
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((p) => p.id)).toEqual([ids["payment-b"]]);
    await db.apiKey.updateMany({ where: { name: "b" }, data: { revokedAt: new Date() } });
    const revoked = await list.GET(
      new Request("http://localhost/api/v1/payments", { headers: { Authorization: `Bearer ${keys.b}` } }),
      {
        params: Promise.resolve({}),
      },
    );
    expect(revoked.status).toBe(401);
  });
});
