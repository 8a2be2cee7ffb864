// What one dashboard request costs in SQL statements, and that sharing the tenant lookup between
// the layout and the page still checks each caller's permission. React's cache() is per request
// in Next; here it is faked as one memo per simulated request (newRequest()).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMember, createPayout } from "../factories";
import { callAction, FORBIDDEN, renderPage, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));
const memo = vi.hoisted(() => ({ calls: new Map<unknown, Map<string, unknown>>() }));
vi.mock("react", async (original) => ({
  ...(await original<Record<string, unknown>>()),
  cache:
    <A extends unknown[], R>(fn: (...args: A) => R) =>
    (...args: A): R => {
      const byArgs = memo.calls.get(fn) ?? new Map<string, unknown>();
      memo.calls.set(fn, byArgs);
      const key = JSON.stringify(args);
      if (!byArgs.has(key)) byArgs.set(key, fn(...args));
      return byArgs.get(key) as R;
    },
}));
stubAppEnv(testDatabaseUrl());

/** A new request: nothing remembered by cache() from the previous one. */
const newRequest = () => memo.calls.clear();

/** Every SQL statement the app sends through the pg driver while `run` runs. */
async function statements(run: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, "query").mockImplementation(function (this: pg.Client, ...args) {
    const config = args[0] as string | { text?: string };
    const text = typeof config === "string" ? config : config?.text;
    if (text && !/^(BEGIN|COMMIT|ROLLBACK|SET |SELECT 1$)/.test(text)) sent.push(text);
    return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return sent;
}

describe("a dashboard request", () => {
  const db = testDb();
  let Layout: (props: { children: null }) => Promise<unknown>;
  let requireTenant: (permission?: string) => Promise<unknown>;
  beforeAll(async () => {
    Layout = (await import("@/app/(dashboard)/layout")).default as never;
    requireTenant = (await import("@/lib/session")).requireTenant as never;
  });
  afterAll(() => newRequest());

  it("looks the session and membership up once, and still checks each permission against the role", async () => {
    const { user } = await createMember(db, { role: "viewer" });
    signIn(user);
    newRequest();
    await requireTenant(); // sign-in creates the session row; not counted
    newRequest();
    const sent = await statements(async () => {
      await renderPage(Layout as never, { children: null });
      await requireTenant("payments:view");
      expect(await callAction(() => requireTenant("audit:view"))).toMatchObject({ digest: FORBIDDEN });
    });
    expect(sent.filter((s) => /FROM users u/.test(s))).toHaveLength(1);

    // The next request reads afresh: a session ended in between is refused there.
    await db.userSession.updateMany({ where: { userId: user.id }, data: { revokedAt: new Date() } });
    newRequest();
    const next = await callAction(() => requireTenant("payments:view"));
    expect(next).toMatchObject({ ok: false, digest: expect.stringContaining("/login?expired=1") });
  });

  it("the layout sends one statement for the tenant, one for the owner's alerts and two for the payout badge, then reuses alerts and badge", async () => {
    const { user } = await createMember(db, { role: "owner" });
    signIn(user);
    newRequest();
    await requireTenant();
    newRequest();
    const first = await statements(() => renderPage(Layout as never, { children: null }));
    expect(first).toHaveLength(4);
    newRequest();
    const again = await statements(() => renderPage(Layout as never, { children: null }));
    expect(again).toHaveLength(1); // the tenant: alerts and badge are displayed up to 15-20 s old
  });

  it("the Payouts page reads its tab, the tab counts, the balance and the reversals in a few statements, counts agreeing with the tabs", async () => {
    const { user, merchantId } = await createMember(db, { role: "owner" });
    const other = await createMember(db, { role: "admin", merchantId });
    const pending = { status: "pending_approval" as const, approvedAt: null };
    await createPayout(db, { merchantId, ...pending, requestedById: other.user.id }); // waiting for me
    await createPayout(db, { merchantId, ...pending }); // requested through the API: waiting for me
    await createPayout(db, { merchantId, ...pending, requestedById: user.id }); // waiting for others
    await createPayout(db, { merchantId, status: "paid" });
    await createPayout(db, { merchantId, status: "rejected" });
    await createPayout(db, { merchantId, status: "unknown" });
    signIn(user);
    newRequest();
    await requireTenant();
    newRequest();
    const Page = (await import("@/app/(dashboard)/payouts/page")).default as never;
    let tree = "";
    const sent = await statements(async () => {
      tree = await renderPage(Page, { searchParams: Promise.resolve({}) });
    });
    expect(tree).toContain(
      '"counts":{"waiting_for_me":2,"waiting_for_others":1,"in_flight":1,"paid":1,"failed":1,"review":0}',
    );
    // The tenant, the policy, the tab and its approvals, two for the counts, two for the balance
    // and two for the reversals (15 when each tab was counted apart and the merchant read again).
    expect(sent.length).toBeLessThanOrEqual(10);

    // Someone who never approves has nothing waiting for them: every pending payout waits for others.
    const viewer = await createMember(db, { role: "viewer", merchantId });
    signIn(viewer.user);
    newRequest();
    await requireTenant();
    newRequest();
    expect(await renderPage(Page, { searchParams: Promise.resolve({}) })).toContain(
      '"counts":{"waiting_for_me":0,"waiting_for_others":3,"in_flight":1,"paid":1,"failed":1,"review":0}',
    );
  });
});
