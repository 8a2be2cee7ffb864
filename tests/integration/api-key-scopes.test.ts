// API key scopes (issue 13): a key does only what its scopes allow, and a member can only put on a
// key the scopes their role could use in the dashboard. Before scopes, any key could call every
// route, so a developer (no `webhooks:manage`, no `payouts:request`) could make a key in Settings
// and manage webhook endpoints or request payouts and reversals through the REST API.
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { API_SCOPE_NAMES, type ApiScope, grantableScopes } from "@/lib/security/api-scopes";
import { createApiKey as createKeyFromSettings } from "@/lib/security/manage-api-keys";
import type { Role } from "@/prisma/generated/prisma/enums";
import { applyMigrations, MIGRATIONS_DIR, readMigrations } from "@/scripts/lib/apply-migrations";
import { createDatabase } from "@/scripts/lib/embedded-postgres";
import { createApiKey, createMember, createMerchant } from "../factories";
import { callRoute, type RouteHandler } from "../support/api-call";
import { form, renderPage, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));

stubAppEnv(testDatabaseUrl());

const apiRoot = path.resolve(__dirname, "../../app/api/v1");
const MISSING = "00000000-0000-7000-8000-000000000000";

/**
 * Every route of app/api/v1 and the scope it must need, written out here (not read from the
 * routes) so a route that declares the wrong scope fails. `body` is a request the route refuses
 * (or a lookup that finds nothing): with the scope, the key gets past the check and nothing moves.
 */
const ROUTES: {
  file: string;
  method: string;
  scope: ApiScope;
  body?: unknown;
}[] = [
  { file: "payments/route.ts", method: "POST", scope: "payments:write", body: {} },
  { file: "payments/route.ts", method: "GET", scope: "payments:read" },
  { file: "payments/[id]/route.ts", method: "GET", scope: "payments:read" },
  { file: "payments/[id]/reversal/route.ts", method: "POST", scope: "payouts:write", body: {} },
  { file: "checkout-sessions/route.ts", method: "POST", scope: "checkout:write", body: {} },
  { file: "checkout-sessions/[id]/route.ts", method: "GET", scope: "payments:read" },
  { file: "payouts/route.ts", method: "POST", scope: "payouts:write", body: {} },
  { file: "payouts/route.ts", method: "GET", scope: "payouts:read" },
  { file: "payouts/[id]/route.ts", method: "GET", scope: "payouts:read" },
  { file: "payout-batches/route.ts", method: "POST", scope: "payouts:write", body: {} },
  { file: "payout-batches/[id]/route.ts", method: "GET", scope: "payouts:read" },
  { file: "reversals/route.ts", method: "GET", scope: "payouts:read" },
  { file: "reversals/[id]/route.ts", method: "GET", scope: "payouts:read" },
  { file: "events/route.ts", method: "GET", scope: "events:read" },
  { file: "events/[id]/route.ts", method: "GET", scope: "events:read" },
  { file: "webhook-endpoints/route.ts", method: "GET", scope: "webhooks:manage" },
  { file: "webhook-endpoints/route.ts", method: "POST", scope: "webhooks:manage", body: {} },
  { file: "webhook-endpoints/[id]/route.ts", method: "GET", scope: "webhooks:manage" },
  { file: "webhook-endpoints/[id]/route.ts", method: "PATCH", scope: "webhooks:manage", body: {} },
  { file: "webhook-endpoints/[id]/route.ts", method: "DELETE", scope: "webhooks:manage" },
  { file: "webhook-endpoints/[id]/rotate-secret/route.ts", method: "POST", scope: "webhooks:manage" },
  {
    file: "reconciliation/pull/route.ts",
    method: "POST",
    scope: "reconciliation:write",
    body: { from: "x" },
  },
];
/** The one route no key is needed for. */
const PUBLIC = ["openapi.json/route.ts GET"];
const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

type RouteModule = Record<string, RouteHandler<{ id: string }> & { scope?: string }>;
const load = (file: string) => import(path.join(apiRoot, file)) as Promise<RouteModule>;
const urlOf = (file: string) => `/api/v1/${path.dirname(file)}`.replace("[id]", MISSING).replace(/\/\.$/, "");

describe("API key scopes", () => {
  const db = testDb();
  let merchantId: string;
  /** Per scope: a key with every other scope, and a key with only that one. */
  const without = {} as Record<ApiScope, string>;
  const only = {} as Record<ApiScope, string>;

  beforeAll(async () => {
    merchantId = (await createMerchant(db)).id;
    for (const scope of API_SCOPE_NAMES) {
      without[scope] = (
        await createApiKey(db, { merchantId, scopes: API_SCOPE_NAMES.filter((s) => s !== scope) })
      ).key;
      only[scope] = (await createApiKey(db, { merchantId, scopes: [scope] })).key;
    }
  });

  it("covers every method of every route file under app/api/v1", async () => {
    const files = readdirSync(apiRoot, { recursive: true, encoding: "utf8" }).filter(
      (f) => path.basename(f) === "route.ts",
    );
    const found: string[] = [];
    for (const file of files) {
      const mod = await load(file);
      for (const method of Object.keys(mod).filter((k) => HTTP_METHODS.includes(k)))
        found.push(`${file.split(path.sep).join("/")} ${method}`);
    }
    expect(found.sort()).toEqual([...ROUTES.map((r) => `${r.file} ${r.method}`), ...PUBLIC].sort());
  });

  it.each(ROUTES)(
    "$method $file refuses a key without $scope (403 forbidden) and takes one with it",
    async (route) => {
      const handler = (await load(route.file))[route.method];
      if (!handler) throw new Error(`${route.file} exports no ${route.method}`);
      expect(handler.scope).toBe(route.scope);
      const call = (key: string) =>
        callRoute(handler, {
          key,
          path: urlOf(route.file),
          method: route.method,
          body: route.body,
          params: { id: MISSING },
        });

      const refused = await call(without[route.scope]);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: "forbidden" });
      expect(refused.body.error.message).toContain(`'${route.scope}'`);

      const allowed = await call(only[route.scope]);
      expect([200, 404, 422], JSON.stringify(allowed.body)).toContain(allowed.status);
    },
  );

  it("refuses a key with no scope at all, even for reads", async () => {
    const { key } = await createApiKey(db, { merchantId, scopes: [] });
    const { GET } = await load("payments/route.ts");
    if (!GET) throw new Error("no GET /api/v1/payments");
    const res = await callRoute(GET, { key, path: "/api/v1/payments" });
    expect(res.status).toBe(403);
  });
});

describe("creating a key in Settings", () => {
  const db = testDb();

  // The escalation of issue 13. On the code before scopes, createApiKey took no scopes and every
  // key could call every route: the developer's key below would have added a webhook endpoint
  // (201) and requested a payout, so the 403s here fail there.
  it("lets a developer grant only what a developer may do: no webhooks:manage, no payouts:write", async () => {
    const { user, merchantId } = await createMember(db, { role: "developer" });
    const actor = { id: user.id, label: user.email };
    const create = (scopes: ApiScope[]) =>
      createKeyFromSettings(db, { merchantId, name: "Shop", scopes, role: "developer", actor });

    for (const scopes of [
      ["webhooks:manage"],
      ["payouts:write"],
      ["payments:write", "payouts:write"],
    ] as const)
      await expect(create([...scopes]), scopes.join()).rejects.toMatchObject({
        code: "validation_failed",
        details: { field: "scopes" },
      });
    await expect(create([])).rejects.toMatchObject({
      code: "validation_failed",
      details: { field: "scopes" },
    });
    await expect(create(["nonsense" as ApiScope])).rejects.toMatchObject({ details: { field: "scopes" } });
    expect(await db.apiKey.count({ where: { merchantId } })).toBe(0);

    const { key, apiKey } = await create(["payments:write", "payments:read"]);
    // Stored in the catalogue's order whatever order they came in.
    expect(apiKey.scopes).toEqual(["payments:read", "payments:write"]);
    const audit = await db.auditLog.findFirstOrThrow({ where: { merchantId, action: "apikey.created" } });
    expect(audit.metadata).toMatchObject({ scopes: ["payments:read", "payments:write"] });

    // And the key it got cannot reach what the developer could not grant.
    const webhooks = (await load("webhook-endpoints/route.ts")).POST;
    const payouts = (await load("payouts/route.ts")).POST;
    if (!webhooks || !payouts) throw new Error("routes missing");
    const hook = await callRoute(webhooks, {
      key,
      path: "/api/v1/webhook-endpoints",
      method: "POST",
      body: { url: "https://attacker.example/hook" },
    });
    expect(hook.status).toBe(403);
    const payout = await callRoute(payouts, {
      key,
      path: "/api/v1/payouts",
      method: "POST",
      body: { command: "BusinessPayment", amount: 100, phone: "0712345678", remarks: "x" },
    });
    expect(payout.status).toBe(403);
    expect(await db.webhookEndpoint.count({ where: { merchantId } })).toBe(0);
    expect(await db.payout.count({ where: { merchantId } })).toBe(0);
  });

  it("lets an owner grant every scope", async () => {
    const { user, merchantId } = await createMember(db, { role: "owner" });
    const { apiKey } = await createKeyFromSettings(db, {
      merchantId,
      name: "Everything",
      scopes: API_SCOPE_NAMES,
      role: "owner",
      actor: { id: user.id, label: user.email },
    });
    expect(apiKey.scopes).toEqual(API_SCOPE_NAMES);
  });
});

describe("Settings → API keys", () => {
  const db = testDb();

  it("offers a member only the scopes their role may grant, takes the role from the session, lists each key's scopes", async () => {
    const { user, merchantId } = await createMember(db, { role: "developer" });
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: merchantId } });
    signIn(user, merchant.slug);
    const { createKeyAction } = await import("@/app/(dashboard)/settings/actions");
    const create = (fields: Record<string, string>, scopes: string[]) => {
      const data = form(fields);
      for (const scope of scopes) data.append("scopes", scope);
      return createKeyAction({ error: null, key: null }, data);
    };

    // A role field in the form is ignored: the session says developer.
    const escalated = await create({ name: "Hooks", role: "owner" }, ["payments:read", "webhooks:manage"]);
    expect(escalated).toEqual({ error: expect.stringContaining("webhooks:manage"), key: null });
    expect((await create({ name: "None" }, [])).error).toMatch(/at least one scope/);
    expect((await create({ name: "Odd" }, ["payments:admin"])).error).toMatch(/not a scope/);
    expect(await db.apiKey.count({ where: { merchantId } })).toBe(0);

    const made = await create({ name: "Shop" }, ["payments:read", "payments:write"]);
    expect(made.key).toMatch(/^mlp_test_/);
    const row = await db.apiKey.findFirstOrThrow({ where: { merchantId } });
    expect(row).toMatchObject({
      name: "Shop",
      scopes: ["payments:read", "payments:write"],
      createdById: user.id,
    });

    const { default: SettingsPage } = await import("@/app/(dashboard)/settings/page");
    const html = await renderPage(SettingsPage, { searchParams: Promise.resolve({}) });
    expect(html).toContain("payments:read payments:write");
    expect(html).toContain("checkout:write");
    expect(html).not.toContain("webhooks:manage");
    expect(html).not.toContain("payouts:write");
  });
});

describe("the scopes migration's back-fill", () => {
  // A database migrated up to just before scopes, with keys made then, migrated the rest of the way.
  const SCOPES_MIGRATION = "20261203061815_api_key_scopes_trace_context";
  const name = `malipo_scopes_${process.pid}_${Date.now().toString(36)}`;
  let client: pg.Client | undefined;
  let adminUrl: string;

  afterAll(async () => {
    await client?.end();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it("gives existing keys what their creator's role may grant today (a departed creator: a developer's)", async () => {
    const server = new URL(testDatabaseUrl());
    server.pathname = "/postgres";
    adminUrl = server.toString();
    const url = await createDatabase(adminUrl, name);
    const { mkdtempSync, cpSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const before = mkdtempSync(path.join(tmpdir(), "malipo-migrations-"));
    try {
      for (const m of readMigrations().filter((m) => m.name < SCOPES_MIGRATION))
        cpSync(path.join(MIGRATIONS_DIR, m.name), path.join(before, m.name), { recursive: true });
      await applyMigrations({ databaseUrl: url, migrationsDir: before });
    } finally {
      rmSync(before, { recursive: true, force: true });
    }

    client = new pg.Client({ connectionString: url });
    await client.connect();
    const c = client;
    const merchant = (
      await c.query<{ id: string }>(
        `INSERT INTO merchants (id, name, slug, updated_at) VALUES (gen_random_uuid(), 'Duka', 'duka', now()) RETURNING id`,
      )
    ).rows[0]?.id;
    const keyBy = async (role: Role | "departed" | "none") => {
      let creator: string | null = null;
      if (role !== "none") {
        creator =
          (
            await c.query<{ id: string }>(
              `INSERT INTO users (id, email, name, password_hash, updated_at)
               VALUES (gen_random_uuid(), $1, 'U', 'x', now()) RETURNING id`,
              [`${role}@duka.example`],
            )
          ).rows[0]?.id ?? null;
        if (role !== "departed")
          await c.query(
            `INSERT INTO memberships (id, user_id, merchant_id, role) VALUES (gen_random_uuid(), $1, $2, $3)`,
            [creator, merchant, role],
          );
      }
      return (
        await c.query<{ id: string }>(
          `INSERT INTO api_keys (id, merchant_id, name, prefix, hash, created_by_id)
           VALUES (gen_random_uuid(), $1, $2, $2, $2, $3) RETURNING id`,
          [merchant, `key-${role}`, creator],
        )
      ).rows[0]?.id;
    };
    const roles: Role[] = ["owner", "admin", "approver", "developer", "viewer"];
    const ids: Record<string, string | undefined> = {};
    for (const r of [...roles, "departed", "none"] as const) ids[r] = await keyBy(r);

    await applyMigrations({ databaseUrl: url });
    const { rows } = await c.query<{ id: string; scopes: string[] }>(`SELECT id, scopes FROM api_keys`);
    const scopesOf = (id: string | undefined) => rows.find((r) => r.id === id)?.scopes;
    // The migration's lists are lib/security/api-scopes.ts's rule, written out in SQL.
    for (const role of roles) expect(scopesOf(ids[role]), role).toEqual(grantableScopes(role));
    expect(scopesOf(ids.departed)).toEqual(grantableScopes("developer"));
    expect(scopesOf(ids.none)).toEqual(grantableScopes("developer"));
  });
});
