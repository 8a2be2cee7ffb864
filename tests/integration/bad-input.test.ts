// Bad input gets a clear 4xx naming the field, never a 500: NUL bytes, control characters and
// bidi overrides in free text, impossible dates, foreign or malformed ids; and CSV exports that
// no spreadsheet runs as formulas. Everything through the real route handlers, pages and actions.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { generateApiKey } from "@/lib/security/api-keys";
import { API_SCOPE_NAMES } from "@/lib/security/api-scopes";
import { createMember, createPayment } from "../factories";
import { callAction, renderPage, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

stubAppEnv(testDatabaseUrl());

const NUL = "A\u0000B";
const RLO = "AB\u202eC";
const LRI = "AB\u2066C";
const BELL = "AB\u0007C";

describe("bad input", () => {
  const db = testDb();
  let apiKey = "";
  let owner: { id: string };
  let otherKeyId = "";
  let merchantId = "";

  beforeAll(async () => {
    const member = await createMember(db, { role: "owner" });
    owner = member.user;
    merchantId = member.merchantId;
    const key = generateApiKey("simulator");
    await db.apiKey.create({
      data: { merchantId, name: "k", prefix: key.prefix, hash: key.hash, scopes: API_SCOPE_NAMES },
    });
    apiKey = key.key;
    const other = await createMember(db, { role: "owner" });
    const otherKey = generateApiKey("simulator");
    otherKeyId = (
      await db.apiKey.create({
        data: { merchantId: other.merchantId, name: "theirs", prefix: otherKey.prefix, hash: otherKey.hash },
      })
    ).id;
  });

  afterAll(async () => {
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  const api = async (
    route: { POST?: unknown; GET?: unknown },
    method: "POST" | "GET",
    path: string,
    body?: unknown,
  ) => {
    const handler = route[method] as (req: Request, ctx: { params: Promise<unknown> }) => Promise<Response>;
    const res = await handler(
      new Request(`http://localhost${path}`, {
        method,
        headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      { params: Promise.resolve({ id: path.split("/").at(-1) }) },
    );
    return { status: res.status, body: (await res.json()) as { error?: { code: string; field?: string } } };
  };

  it("refuses control characters and direction overrides in API bodies, naming the field", async () => {
    const payments = await import("@/app/api/v1/payments/route");
    const sessions = await import("@/app/api/v1/checkout-sessions/route");
    const prompt = { amount: 10, phone: "0712345678", reference: "ORDER-1" };
    const link = { amount: 10, reference: "LINK-1" };
    for (const [field, value] of [
      ["reference", NUL],
      ["reference", RLO],
      ["description", NUL],
      ["description", LRI],
      ["description", BELL],
    ] as const) {
      for (const [route, path, body] of [
        [payments, "/api/v1/payments", prompt],
        [sessions, "/api/v1/checkout-sessions", link],
      ] as const) {
        const res = await api(route, "POST", path, { ...body, [field]: value });
        expect(res, `${path} ${field}=${JSON.stringify(value)}`).toMatchObject({
          status: 422,
          body: { error: { code: "validation_failed", field } },
        });
      }
    }
    expect(await api(payments, "POST", "/api/v1/payments", { ...prompt, phone: NUL })).toMatchObject({
      status: 422,
      body: { error: { field: "phone" } },
    });
    expect(await db.payment.count()).toBe(0);
    expect(await db.checkoutSession.count()).toBe(0);
  });

  it("answers 404 for malformed ids on the API", async () => {
    const payment = await import("@/app/api/v1/payments/[id]/route");
    const session = await import("@/app/api/v1/checkout-sessions/[id]/route");
    for (const id of ["-".repeat(36), "0123456789abcdef0123456789abcdef0123"]) {
      expect((await api(payment, "GET", `/api/v1/payments/${id}`)).status).toBe(404);
      expect((await api(session, "GET", `/api/v1/checkout-sessions/${id}`)).status).toBe(404);
    }
  });

  const badFilters: [string, Record<string, string>][] = [
    ["from", { from: "2026-13-45" }],
    ["to", { to: "2026-02-30" }],
    ["reference", { reference: NUL }],
    ["receipt", { receipt: NUL }],
    ["phone", { phone: RLO }],
  ];

  it("refuses impossible dates and unsafe text in the dashboard's payment filters before any streaming", async () => {
    signIn(owner);
    const list = await import("@/app/api/dashboard/payments/route");
    const exportRoute = await import("@/app/api/dashboard/payments/export/route");
    for (const [field, query] of badFilters) {
      for (const route of [list, exportRoute]) {
        const res = await route.GET(
          new Request(`http://localhost/api/dashboard/payments?${new URLSearchParams(query)}`),
        );
        expect(res.status, JSON.stringify(query)).toBe(422);
        expect(res.headers.get("content-type")).toContain("application/json");
        expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
      }
    }
  });

  it("shows invalid filters on the payments and audit log pages instead of failing", async () => {
    signIn(owner);
    const paymentsPage = (await import("@/app/(dashboard)/payments/page")).default;
    for (const [field, query] of badFilters) {
      const html = await renderPage(paymentsPage, { searchParams: Promise.resolve(query) });
      expect(html).toContain("Some filters were not valid");
      expect(html).toContain(field);
    }
    const auditPage = (await import("@/app/(dashboard)/audit-log/page")).default;
    for (const [field, query] of [
      ["actor", { actor: NUL }],
      ["actor", { actor: RLO }],
      ["from", { from: "2026-13-45" }],
      ["before", { before: "99999999999999999999999" }],
    ] as const) {
      const html = await renderPage(auditPage, { searchParams: Promise.resolve(query) });
      expect(html).toContain("Some filters were not valid");
      expect(html).toContain(field);
    }
  });

  it("answers revokeKeyAction and cancelLinkAction given a foreign or malformed id with a form error", async () => {
    signIn(owner);
    const { revokeKeyAction } = await import("@/app/(dashboard)/settings/actions");
    for (const id of [otherKeyId, "-".repeat(36), "not-a-key", 42]) {
      expect(await callAction(() => revokeKeyAction(id))).toEqual({
        ok: true,
        value: { error: "No active API key with this id." },
      });
    }
    expect(await db.apiKey.findUniqueOrThrow({ where: { id: otherKeyId } })).toMatchObject({
      revokedAt: null,
    });
    const { cancelLinkAction } = await import("@/app/(dashboard)/checkout-links/actions");
    expect(await callAction(() => cancelLinkAction("-".repeat(36)))).toEqual({
      ok: true,
      value: { error: "No such checkout link." },
    });
  });

  it("refuses unsafe text in dashboard forms: checkout links, key names, merchant name, review notes", async () => {
    signIn(owner);
    const links = await import("@/app/(dashboard)/checkout-links/actions");
    const settings = await import("@/app/(dashboard)/settings/actions");
    const form = (fields: Record<string, string>) => {
      const data = new FormData();
      for (const [k, v] of Object.entries(fields)) data.set(k, v);
      return data;
    };
    expect(
      await links.createLinkAction(
        { error: null, id: null },
        form({ amount: "50", reference: RLO, expiresInMinutes: "30" }),
      ),
    ).toMatchObject({ error: expect.stringContaining("reference"), id: null });
    expect(await settings.createKeyAction({ error: null, key: null }, form({ name: NUL }))).toMatchObject({
      error: expect.stringContaining("control characters"),
      key: null,
    });
    expect(
      await settings.updateProfileAction({ error: null, saved: false }, form({ name: `Duka ${RLO}` })),
    ).toMatchObject({ saved: false, error: expect.any(String) });
    const { resolveReviewItem } = await import("@/lib/payments/review/resolve-review-item");
    const { openReviewItem } = await import("@/lib/payments/review/open-review-item");
    await openReviewItem(db, { merchantId, kind: "amount_mismatch", expected: { amount: 1 } });
    const item = await db.reviewItem.findFirstOrThrow({ where: { merchantId } });
    await expect(
      resolveReviewItem(db, {
        merchantId,
        itemId: item.id,
        action: "dismiss",
        note: `fine ${NUL}`,
        actor: { id: owner.id, label: "o" },
      }),
    ).rejects.toMatchObject({ code: "validation_failed", details: { field: "note" } });
  });

  it("neutralises formulas in every column of the payments CSV", async () => {
    signIn(owner);
    await createPayment(db, {
      merchantId,
      reference: "=1+1",
      receipt: "=HYPERLINK(1)",
      resultCode: "+2",
      phoneMasked: "-3",
      status: "failed",
    });
    await createPayment(db, { merchantId, reference: "@SUM(1)", receipt: "-4", resultCode: "@5" });
    const { GET } = await import("@/app/api/dashboard/payments/export/route");
    const csv = await (await GET(new Request("http://localhost/api/dashboard/payments/export"))).text();
    const cells = csv
      .trim()
      .split("\n")
      .slice(1)
      .flatMap((line) => line.split(","));
    expect(cells.filter((c) => /^"?[=+\-@]/.test(c))).toEqual([]);
    for (const value of ["'=1+1", "'=HYPERLINK(1)", "'+2", "'-3", "'@SUM(1)", "'-4", "'@5"])
      expect(csv).toContain(value);
  });
});
