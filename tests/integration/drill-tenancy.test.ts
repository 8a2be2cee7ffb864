// The tenancy drill (npm run drill:tenancy): every id-taking entry point that the isolation tests
// (dashboard-isolation, api-isolation) do not already try, given another merchant's ids, and
// payout and reversal self-approval, by the requester and by the creator of the requesting API
// key. Every entry point under app/ must be listed in scripts/drills/tenancy.ts (probed here or
// there, or taking no id): a new one fails the first test until it is.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordEvent } from "@/lib/events/record-event";
import { kenyanDayOf } from "@/lib/kenyan-days";
import { coverageGaps, ENTRY_POINTS, findEntryPoints } from "../../scripts/drills/tenancy";
import { createApiKey, createPayment, createPayout, createPayoutBatch } from "../factories";
import {
  callAction,
  FORBIDDEN,
  form,
  NOT_FOUND,
  renderPage,
  signIn,
  stubAppEnv,
} from "../support/next-request";
import { createTenantWorld, leaked, type TenantWorld } from "../support/tenant-world";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const keyring = stubAppEnv(testDatabaseUrl());
vi.stubEnv("DISABLE_RATE_LIMITS", "true");

/** The REST routes probed, imported by name (Vite needs static import paths). */
const V1_ROUTES: Record<string, () => Promise<Record<string, unknown>>> = {
  payments: () => import("@/app/api/v1/payments/route"),
  payouts: () => import("@/app/api/v1/payouts/route"),
  reversals: () => import("@/app/api/v1/reversals/route"),
  events: () => import("@/app/api/v1/events/route"),
  "webhook-endpoints": () => import("@/app/api/v1/webhook-endpoints/route"),
  "payments/[id]": () => import("@/app/api/v1/payments/[id]/route"),
  "payments/[id]/reversal": () => import("@/app/api/v1/payments/[id]/reversal/route"),
  "checkout-sessions/[id]": () => import("@/app/api/v1/checkout-sessions/[id]/route"),
  "payouts/[id]": () => import("@/app/api/v1/payouts/[id]/route"),
  "payout-batches/[id]": () => import("@/app/api/v1/payout-batches/[id]/route"),
  "reversals/[id]": () => import("@/app/api/v1/reversals/[id]/route"),
  "events/[id]": () => import("@/app/api/v1/events/[id]/route"),
  "webhook-endpoints/[id]": () => import("@/app/api/v1/webhook-endpoints/[id]/route"),
  "webhook-endpoints/[id]/rotate-secret": () =>
    import("@/app/api/v1/webhook-endpoints/[id]/rotate-secret/route"),
};
const v1 = async (route: string) => {
  const load = V1_ROUTES[route];
  if (!load) throw new Error(`no route ${route}`);
  return load();
};

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

describe("drill: tenancy", () => {
  const db = testDb();
  let a: TenantWorld;
  let b: TenantWorld;
  const keys = { a: "", b: "" };
  /** A's objects behind every kind of id the API and dashboard take. */
  const ids: Record<string, string> = {};
  /** Every cross-tenant attempt: what it was and whether it was denied without leaking. */
  const tally = { attempts: 0, denied: 0, failures: [] as string[] };
  const self = { attempts: 0, denied: 0, failures: [] as string[] };

  const api = async (
    key: string,
    mod: Record<string, unknown>,
    method: string,
    path: string,
    options: { params?: Record<string, string>; body?: unknown } = {},
  ) => {
    const res = await (mod[method] as Handler)(
      new Request(`http://localhost${path}`, {
        method,
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      }),
      { params: Promise.resolve(options.params ?? {}) },
    );
    return { status: res.status, text: await res.text() };
  };
  /** A's strings that must never reach B: the tenant world's markers and the ids made here. */
  const leaksOfA = (text: string) => [
    ...leaked(a, text),
    ...Object.values(ids).filter((id) => text.includes(id)),
  ];
  const expectDenied = (what: string, denied: boolean, text: string) => {
    tally.attempts += 1;
    const leaks = leaksOfA(text);
    if (denied && leaks.length === 0) tally.denied += 1;
    else
      tally.failures.push(
        `${what}: ${denied ? "" : "not denied; "}${leaks.length ? `leaked ${leaks.join(", ")}` : ""}`,
      );
  };

  beforeAll(async () => {
    a = await createTenantWorld(db, { keyring, tag: "ALPHA", phone: "254711000111", paidToday: 1234 });
    b = await createTenantWorld(db, { keyring, tag: "BRAVO", phone: "254722000222", paidToday: 7777 });
    keys.a = (await createApiKey(db, { merchantId: a.merchant.id, name: "ALPHA drill key" })).key;
    keys.b = (await createApiKey(db, { merchantId: b.merchant.id, name: "BRAVO drill key" })).key;
    // A's objects, made through the API where it can make them.
    const payouts = await import("@/app/api/v1/payouts/route");
    const made = await api(keys.a, payouts, "POST", "/api/v1/payouts", {
      body: {
        kind: "b2c",
        command: "BusinessPayment",
        amount: 100,
        phone: "0711000111",
        remarks: "ALPHA payout",
      },
    });
    expect(made.status, made.text).toBe(201);
    ids.payout = JSON.parse(made.text).id;
    const batches = await import("@/app/api/v1/payout-batches/route");
    const batch = await api(keys.a, batches, "POST", "/api/v1/payout-batches", {
      body: {
        name: "ALPHA batch",
        payouts: [
          { kind: "b2c", command: "BusinessPayment", amount: 100, phone: "0711000111", remarks: "ALPHA row" },
        ],
      },
    });
    expect(batch.status, batch.text).toBe(201);
    ids.batch = JSON.parse(batch.text).id;
    const reversal = await import("@/app/api/v1/payments/[id]/reversal/route");
    const refund = await api(keys.a, reversal, "POST", `/api/v1/payments/${a.payments.paid.id}/reversal`, {
      params: { id: a.payments.paid.id },
      body: { amount: 10, reason: "ALPHA refund" },
    });
    expect(refund.status, refund.text).toBe(201);
    ids.reversal = JSON.parse(refund.text).id;
    const hooks = await import("@/app/api/v1/webhook-endpoints/route");
    const hook = await api(keys.a, hooks, "POST", "/api/v1/webhook-endpoints", {
      body: { url: "https://alpha.example.com/hooks", events: ["payment.paid"] },
    });
    expect(hook.status, hook.text).toBe(201);
    ids.webhook = JSON.parse(hook.text).id;
    ids.event = (
      await recordEvent(db, {
        merchantId: a.merchant.id,
        type: "payment.paid",
        objectId: a.payments.paid.id,
        data: { id: a.payments.paid.id, reference: a.payments.paid.reference },
      })
    ).id;
    ids.statement = (
      await db.statementImport.create({
        data: {
          merchantId: a.merchant.id,
          fileName: "ALPHA-statement.csv",
          fileSha256: "0".repeat(64),
          format: "csv",
          importedByLabel: a.owner.email,
        },
      })
    ).id;
  });

  afterAll(async () => {
    console.log(
      `drill:tenancy: ${findEntryPoints().length} entry points (${Object.values(ENTRY_POINTS).filter((c) => "probe" in c && c.probe === "drill").length} probed by the drill, ${Object.values(ENTRY_POINTS).filter((c) => "probe" in c && c.probe !== "drill").length} by the isolation tests, ${Object.values(ENTRY_POINTS).filter((c) => "noId" in c).length} take no id); cross-tenant ${tally.denied}/${tally.attempts} denied; self-approval ${self.denied}/${self.attempts} denied`,
    );
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  it("lists every entry point under app/ in scripts/drills/tenancy.ts", () => {
    expect(coverageGaps()).toEqual({ uncovered: [], stale: [], unproven: [] });
  });

  it("denies B's API key every id of A's on the REST API, leaking nothing", async () => {
    const byId: [string, string, string, string][] = [
      ["payments/[id]", "GET", "payment", a.payments.paid.id],
      ["checkout-sessions/[id]", "GET", "session", a.link.id],
      ["payouts/[id]", "GET", "payout", ids.payout as string],
      ["payout-batches/[id]", "GET", "batch", ids.batch as string],
      ["reversals/[id]", "GET", "reversal", ids.reversal as string],
      ["events/[id]", "GET", "event", ids.event as string],
      ["webhook-endpoints/[id]", "GET", "webhook", ids.webhook as string],
      ["webhook-endpoints/[id]", "PATCH", "webhook", ids.webhook as string],
      ["webhook-endpoints/[id]/rotate-secret", "POST", "webhook", ids.webhook as string],
      ["webhook-endpoints/[id]", "DELETE", "webhook", ids.webhook as string],
      ["payments/[id]/reversal", "POST", "payment", a.payments.paid.id],
    ];
    const hookBefore = await db.webhookEndpoint.findUniqueOrThrow({ where: { id: ids.webhook } });
    const reversalsBefore = await db.reversal.count({ where: { merchantId: a.merchant.id } });
    for (const [route, method, , id] of byId) {
      const mod = await v1(route);
      const res = await api(keys.b, mod, method, `/api/v1/${route.replace("[id]", id)}`, {
        params: { id },
        body:
          method === "PATCH"
            ? { url: "https://bravo.example.com/x" }
            : method === "POST"
              ? { reason: "BRAVO" }
              : undefined,
      });
      expectDenied(
        `${method} /api/v1/${route} with A's id`,
        res.status === 404 || res.status === 403,
        res.text,
      );
    }
    expect(await db.webhookEndpoint.findUniqueOrThrow({ where: { id: ids.webhook } })).toEqual(hookBefore);
    expect(await db.reversal.count({ where: { merchantId: a.merchant.id } })).toBe(reversalsBefore);
    for (const route of ["payments", "payouts", "reversals", "events", "webhook-endpoints"]) {
      const res = await api(keys.b, await v1(route), "GET", `/api/v1/${route}`);
      expectDenied(`GET /api/v1/${route} lists only B's`, res.status === 200, res.text);
    }
    expect(tally.failures).toEqual([]);
  });

  it("denies B's owner A's ids on dashboard pages, exports and reversal actions", async () => {
    signIn(b.owner, b.merchant.slug);
    const today = kenyanDayOf(new Date());
    const statements = (await import("@/app/(dashboard)/reconciliation/statements/[id]/page")).default;
    const page = await callAction(() =>
      renderPage(statements, { params: Promise.resolve({ id: ids.statement as string }) }),
    );
    expectDenied(
      "statement import page with A's id",
      !page.ok && page.digest === NOT_FOUND,
      page.ok ? String(page.value) : "",
    );
    const day = (await import("@/app/(dashboard)/reconciliation/[day]/page")).default;
    const dayPage = await callAction(() =>
      renderPage(day, { params: Promise.resolve({ day: today }), searchParams: Promise.resolve({}) }),
    );
    expectDenied(
      "reconciliation day page (the same day)",
      dayPage.ok,
      dayPage.ok ? String(dayPage.value) : JSON.stringify(dayPage.digest),
    );
    for (const [name, path, url] of [
      [
        "payout list",
        () => import("@/app/api/dashboard/payouts/route"),
        "http://localhost/api/dashboard/payouts",
      ],
      [
        "payouts CSV",
        () => import("@/app/api/dashboard/payouts/export/route"),
        "http://localhost/api/dashboard/payouts/export",
      ],
      [
        "reconciliation CSV",
        () => import("@/app/(dashboard)/reconciliation/export/route"),
        `http://localhost/reconciliation/export?from=${today}&to=${today}`,
      ],
    ] as const) {
      const res = await (await path()).GET(new Request(url));
      expectDenied(`${name} as B`, res.status === 200, await res.text());
    }
    const actions = await import("@/app/(dashboard)/payments/[id]/actions");
    const reversalBefore = await db.reversal.findUniqueOrThrow({ where: { id: ids.reversal } });
    const reversalsBefore = await db.reversal.count({ where: { merchantId: a.merchant.id } });
    for (const [name, run] of [
      [
        "requestReversalAction",
        () => actions.requestReversalAction(a.payments.paid.id, { amount: "5", reason: "BRAVO" }),
      ],
      ["approveReversalAction", () => actions.approveReversalAction(ids.reversal)],
      ["rejectReversalAction", () => actions.rejectReversalAction(ids.reversal, "BRAVO says no")],
      ["cancelReversalAction", () => actions.cancelReversalAction(ids.reversal)],
    ] as const) {
      const outcome = await callAction(run);
      const value = outcome.ok ? (outcome.value as { error?: string | null }) : null;
      expectDenied(
        `${name} with A's id`,
        !!value?.error || (!outcome.ok && (outcome.digest === NOT_FOUND || outcome.digest === FORBIDDEN)),
        JSON.stringify(outcome.ok ? outcome.value : outcome.digest),
      );
    }
    expect(await db.reversal.findUniqueOrThrow({ where: { id: ids.reversal } })).toEqual(reversalBefore);
    expect(await db.reversal.count({ where: { merchantId: a.merchant.id } })).toBe(reversalsBefore);
    const { signOffAction } = await import("@/app/(dashboard)/reconciliation/actions");
    const aDaysBefore = await db.reconciliationDay.findMany({ where: { merchantId: a.merchant.id } });
    await callAction(() => signOffAction({ error: null, done: false }, form({ day: today })));
    expectDenied(
      "signOffAction of the same day leaves A's day alone",
      JSON.stringify(await db.reconciliationDay.findMany({ where: { merchantId: a.merchant.id } })) ===
        JSON.stringify(aDaysBefore),
      "",
    );
    expect(tally.failures).toEqual([]);
  });

  it("refuses every self-approval: by the requester and by the creator of the requesting API key", async () => {
    const approver = a.owner;
    const payoutActions = await import("@/app/(dashboard)/payouts/actions");
    const reversalActions = await import("@/app/(dashboard)/payments/[id]/actions");
    const keyOfApprover = await createApiKey(db, { merchantId: a.merchant.id, name: "ALPHA owner's key" });
    await db.apiKey.update({ where: { id: keyOfApprover.apiKey.id }, data: { createdById: approver.id } });
    const refused = async (what: string, run: () => Promise<unknown>, unchanged: () => Promise<boolean>) => {
      signIn(approver, a.merchant.slug);
      const outcome = await callAction(run);
      const error = outcome.ok ? (outcome.value as { error?: string | null }).error : "threw";
      self.attempts += 1;
      if (error && (await unchanged())) self.denied += 1;
      else self.failures.push(`${what}: ${JSON.stringify(outcome.ok ? outcome.value : outcome.digest)}`);
    };
    const pending = (id: string) => async () =>
      (await db.payout.findUniqueOrThrow({ where: { id } })).status === "pending_approval";
    // Payouts: requested by the approver in the dashboard, and through the approver's key.
    const own = await createPayout(db, {
      merchantId: a.merchant.id,
      status: "pending_approval",
      approvedAt: null,
      requestedById: approver.id,
      requesterLabel: approver.email,
    });
    await refused(
      "approvePayoutAction of one's own payout",
      () => payoutActions.approvePayoutAction(own.id),
      pending(own.id),
    );
    const viaKey = await api(
      keyOfApprover.key,
      await import("@/app/api/v1/payouts/route"),
      "POST",
      "/api/v1/payouts",
      {
        body: {
          kind: "b2c",
          command: "BusinessPayment",
          amount: 100,
          phone: "0711000111",
          remarks: "Own key payout",
        },
      },
    );
    const viaKeyId = JSON.parse(viaKey.text).id as string;
    await refused(
      "approvePayoutAction of a payout through one's own key",
      () => payoutActions.approvePayoutAction(viaKeyId),
      pending(viaKeyId),
    );
    const ownBatch = await createPayoutBatch(db, {
      merchantId: a.merchant.id,
      count: 2,
      requestedById: approver.id,
    });
    await refused(
      "approveBatchAction of one's own batch",
      () => payoutActions.approveBatchAction(ownBatch.batch.id),
      async () =>
        (await db.payout.count({ where: { batchId: ownBatch.batch.id, status: "pending_approval" } })) === 2,
    );
    // Reversals: requested by the approver in the dashboard, and through the approver's key.
    const paid = (receipt: string) =>
      createPayment(db, {
        merchantId: a.merchant.id,
        status: "paid",
        amount: 300,
        paidAmount: 300,
        receipt,
        settledAt: new Date(),
      });
    const [forAction, forKey] = [await paid("ALPHASELF1"), await paid("ALPHASELF2")];
    signIn(approver, a.merchant.slug);
    const asked = await callAction(() =>
      reversalActions.requestReversalAction(forAction.id, { amount: "", reason: "own refund" }),
    );
    const ownReversal = await db.reversal.findFirst({
      where: { merchantId: a.merchant.id, requestedById: approver.id },
    });
    const waiting = (id: string) => async () =>
      (await db.reversal.findUniqueOrThrow({ where: { id } })).status === "pending_approval";
    if (ownReversal)
      await refused(
        "approveReversalAction of one's own reversal",
        () => reversalActions.approveReversalAction(ownReversal.id),
        waiting(ownReversal.id),
      );
    else self.failures.push(`could not request a reversal as the approver: ${JSON.stringify(asked)}`);
    const keyReversal = await api(
      keyOfApprover.key,
      await import("@/app/api/v1/payments/[id]/reversal/route"),
      "POST",
      `/api/v1/payments/${forKey.id}/reversal`,
      {
        params: { id: forKey.id },
        body: { amount: 5, reason: "own key refund" },
      },
    );
    const keyReversalId = JSON.parse(keyReversal.text).id as string | undefined;
    if (keyReversalId)
      await refused(
        "approveReversalAction of a reversal through one's own key",
        () => reversalActions.approveReversalAction(keyReversalId),
        waiting(keyReversalId),
      );
    else self.failures.push(`could not request a reversal through the approver's key: ${keyReversal.text}`);
    expect(self.failures).toEqual([]);
    expect(self.denied).toBe(self.attempts);
  });
});
