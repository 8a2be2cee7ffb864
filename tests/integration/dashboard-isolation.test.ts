// A user of merchant A gets nothing of merchant B's through the dashboard: every page, server
// action and route handler that takes an id is called as Next calls it, with only the request
// context faked (tests/support/next-request.ts), against the real database.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { appendAuditLog } from "@/lib/audit/append-audit-log";
import { createInvitation } from "@/lib/team/create-invitation";
import type { Payout } from "@/prisma/generated/prisma/client";
import { createMember, createPayout, createPayoutBatch } from "../factories";
import {
  callAction,
  cookie,
  form,
  NOT_FOUND,
  redirectDigest,
  renderPage,
  runAfterTasks,
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

describe("dashboard tenant isolation", () => {
  const db = testDb();
  let a: TenantWorld;
  let b: TenantWorld;
  /** A payout and a batch of B's, waiting for approval. */
  let bPayout: Payout;
  let bBatchId: string;

  beforeAll(async () => {
    a = await createTenantWorld(db, { keyring, tag: "ALPHA", phone: "254711000111", paidToday: 1234 });
    b = await createTenantWorld(db, { keyring, tag: "BRAVO", phone: "254722000222", paidToday: 7777 });
    // Sign-ins live in the shared chain: A's audit log may show A's staff's, never B's.
    for (const w of [a, b]) {
      await appendAuditLog(db, {
        actor: { type: "user", id: w.owner.id, label: w.owner.email },
        action: "auth.sign_in",
        target: { type: "user", id: w.owner.id },
      });
    }
    bPayout = await createPayout(db, {
      merchantId: b.merchant.id,
      status: "pending_approval",
      approvedAt: null,
    });
    bBatchId = (await createPayoutBatch(db, { merchantId: b.merchant.id })).batch.id;
    await createInvitation(db, {
      merchantId: b.merchant.id,
      email: "invited-to-b@example.com",
      role: "viewer",
      actor: { id: b.owner.id, label: b.owner.email, role: "owner" },
    });
  });

  afterAll(async () => {
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  const pageProps = { params: Promise.resolve({}), searchParams: Promise.resolve({}) };
  /** Every dashboard page that lists tenant data, and one thing of A's each must show. */
  const pages: { path: string; render: () => Promise<string>; shows: (w: TenantWorld) => string }[] = [
    {
      path: "(layout)",
      render: async () => renderPage((await import("@/app/(dashboard)/layout")).default, { children: null }),
      shows: (w) => w.merchant.name,
    },
    {
      path: "/",
      render: async () => renderPage((await import("@/app/(dashboard)/page")).default, pageProps),
      shows: (w) => w.merchant.id,
    },
    {
      path: "/payments",
      render: async () => renderPage((await import("@/app/(dashboard)/payments/page")).default, pageProps),
      shows: (w) => w.payments.pending.reference,
    },
    {
      path: "/mismatches",
      render: async () => renderPage((await import("@/app/(dashboard)/mismatches/page")).default, pageProps),
      shows: (w) => w.review.id,
    },
    {
      path: "/callbacks",
      render: async () => renderPage((await import("@/app/(dashboard)/callbacks/page")).default, pageProps),
      shows: (w) => w.callbacks.dead.id,
    },
    {
      path: "/checkout-links",
      render: async () =>
        renderPage((await import("@/app/(dashboard)/checkout-links/page")).default, pageProps),
      shows: (w) => w.link.id,
    },
    {
      path: "/audit-log",
      render: async () => renderPage((await import("@/app/(dashboard)/audit-log/page")).default, pageProps),
      shows: (w) => w.apiKey.id,
    },
    {
      path: "/settings",
      render: async () => renderPage((await import("@/app/(dashboard)/settings/page")).default, pageProps),
      shows: (w) => w.apiKey.prefix,
    },
  ];

  it.each(pages)(
    "renders $path for A with A's data and none of B's, whatever the merchant cookie says",
    async (page) => {
      for (const slug of [null, b.merchant.slug]) {
        signIn(a.owner, slug);
        const html = await page.render();
        expect(html).toContain(page.shows(a));
        expect(leaked(b, html)).toEqual([]);
      }
      signIn(b.owner); // the control: B's own view does show B's markers
      expect(leaked(b, await page.render())).not.toEqual([]);
    },
  );

  it("totals only A's money on the overview", async () => {
    signIn(a.owner, b.merchant.slug);
    // The page hands its server-rendered figures to the live component; the route refreshes them.
    const html = await renderPage((await import("@/app/(dashboard)/page")).default, pageProps);
    const live = await (await import("@/app/api/dashboard/overview/route")).GET().then((r) => r.text());
    for (const text of [html, live]) {
      expect(text).toContain('"collected":1234');
      expect(text).not.toContain(String(1234 + 7777));
      expect(text).not.toContain("7777");
    }
  });

  it("answers 404 for B's payout and payout batch pages", async () => {
    signIn(a.owner, b.merchant.slug);
    const pages = [
      [(await import("@/app/(dashboard)/payouts/[id]/page")).default, bPayout.id],
      [(await import("@/app/(dashboard)/payouts/batches/[id]/page")).default, bBatchId],
    ] as const;
    for (const [Page, id] of pages) {
      expect(await callAction(() => renderPage(Page, { params: Promise.resolve({ id }) }))).toMatchObject({
        ok: false,
        digest: NOT_FOUND,
      });
    }
  });

  it("answers 404 for B's payment page, and shows A's own", async () => {
    const Page = (await import("@/app/(dashboard)/payments/[id]/page")).default;
    const show = (id: string) => callAction(() => renderPage(Page, { params: Promise.resolve({ id }) }));
    signIn(a.owner, b.merchant.slug);
    for (const payment of Object.values(b.payments)) {
      expect(await show(payment.id)).toMatchObject({ ok: false, digest: NOT_FOUND });
    }
    const own = await show(a.payments.paid.id);
    expect(own).toMatchObject({ ok: true });
    expect(own.ok && leaked(b, String(own.value))).toEqual([]);
    expect(own.ok && String(own.value)).toContain(a.payments.paid.reference);
  });

  describe("route handlers", () => {
    const get = async (path: "" | "/export", query: Record<string, string>) => {
      const route = path
        ? await import("@/app/api/dashboard/payments/export/route")
        : await import("@/app/api/dashboard/payments/route");
      return route.GET(
        new Request(`http://localhost/api/dashboard/payments${path}?${new URLSearchParams(query)}`),
      );
    };
    const cursorAt = (p: { createdAt: Date; id: string }) =>
      Buffer.from(`${p.createdAt.toISOString()}|${p.id}`).toString("base64url");
    /** Filters naming B's rows; each must find nothing of B's. */
    const filters = (w: TenantWorld): Record<string, string>[] => [
      {},
      { reference: w.payments.pending.reference },
      { receipt: w.payments.paid.receipt ?? "" },
      { phone: w.phone },
      { status: "needs_review" },
      { minAmount: "7777", maxAmount: "7777" },
      { from: "2000-01-01", to: "2100-01-01" },
      { cursor: cursorAt(w.payments.held) },
      { cursor: cursorAt({ createdAt: new Date(Date.now() + 60_000), id: w.payments.held.id }) },
    ];

    it("lists none of B's payments under any filter, only A's", async () => {
      signIn(a.owner, b.merchant.slug);
      for (const query of filters(b)) {
        const res = await get("", query);
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(leaked(b, text), JSON.stringify(query)).toEqual([]);
      }
      const own = (await (await get("", {})).json()) as { data: { id: string }[] };
      expect(own.data.map((p) => p.id).sort()).toEqual(
        Object.values(a.payments)
          .map((p) => p.id)
          .sort(),
      );
    });

    it("exports a CSV with none of B's payments under any filter", async () => {
      signIn(a.owner, b.merchant.slug);
      for (const query of filters(b)) {
        const res = await get("/export", query);
        expect(res.status).toBe(200);
        const csv = await res.text();
        expect(leaked(b, csv), JSON.stringify(query)).toEqual([]);
        expect(res.headers.get("Content-Disposition")).toContain(a.merchant.slug);
      }
      const csv = await (await get("/export", {})).text();
      for (const p of Object.values(a.payments)) expect(csv).toContain(p.id);
    });

    it("answers 401 when nobody is signed in", async () => {
      signIn(null, b.merchant.slug);
      expect((await get("", {})).status).toBe(401);
      expect((await get("/export", {})).status).toBe(401);
    });
  });

  describe("server actions given B's ids", () => {
    /** Each of A's owner's writes aimed at B: what it answers, and B's row read back unchanged. */
    const ownerMembershipOfB = () =>
      db.membership.findFirstOrThrow({ where: { merchantId: b.merchant.id, userId: b.owner.id } });
    const invitationOfB = () => db.invitation.findFirstOrThrow({ where: { merchantId: b.merchant.id } });
    const attempts: {
      name: string;
      run: () => Promise<unknown>;
      answers: Record<string, unknown>;
      unchanged: () => Promise<void>;
    }[] = [
      {
        name: "replayAction",
        run: async () =>
          (await import("@/app/(dashboard)/callbacks/actions")).replayAction(b.callbacks.dead.id),
        answers: { ok: true, value: { message: "No such callback." } },
        unchanged: async () => {
          expect(await db.callbackInbox.findUniqueOrThrow({ where: { id: b.callbacks.dead.id } })).toEqual(
            b.callbacks.dead,
          );
        },
      },
      {
        name: "revokeKeyAction",
        run: async () => (await import("@/app/(dashboard)/settings/actions")).revokeKeyAction(b.apiKey.id),
        answers: { ok: true, value: { error: "No active API key with this id." } },
        unchanged: async () => {
          expect(await db.apiKey.findUniqueOrThrow({ where: { id: b.apiKey.id } })).toEqual(b.apiKey);
        },
      },
      {
        name: "cancelLinkAction",
        run: async () =>
          (await import("@/app/(dashboard)/checkout-links/actions")).cancelLinkAction(b.link.id),
        answers: { ok: true, value: { error: expect.any(String) } },
        unchanged: async () => {
          expect(await db.checkoutSession.findUniqueOrThrow({ where: { id: b.link.id } })).toEqual(b.link);
        },
      },
      ...(["accept", "dismiss", "match"] as const).map((action) => ({
        name: `resolveAction (${action})`,
        run: async () =>
          (await import("@/app/(dashboard)/mismatches/actions")).resolveAction(
            { error: null, done: false },
            form({
              itemId: b.review.id,
              action,
              checkoutSessionId: b.link.id,
              note: "Not my merchant's item",
            }),
          ),
        answers: { ok: true, value: { error: "No such review item.", done: false } },
        unchanged: async () => {
          expect(await db.reviewItem.findUniqueOrThrow({ where: { id: b.review.id } })).toEqual(b.review);
          expect(await db.payment.findUniqueOrThrow({ where: { id: b.payments.held.id } })).toEqual(
            b.payments.held,
          );
        },
      })),
      {
        name: "createKeyAction (merchant cookie naming B)",
        run: async () =>
          (await import("@/app/(dashboard)/settings/actions")).createKeyAction(
            { error: null, key: null },
            form({ name: "Planted in B", scopes: "payments:read" }),
          ),
        answers: { ok: true },
        unchanged: async () => {
          expect(await db.apiKey.findMany({ where: { merchantId: b.merchant.id } })).toEqual([b.apiKey]);
          expect(await db.apiKey.findFirstOrThrow({ where: { name: "Planted in B" } })).toMatchObject({
            merchantId: a.merchant.id,
          });
        },
      },
      {
        name: "createLinkAction (merchant cookie naming B)",
        run: async () =>
          (await import("@/app/(dashboard)/checkout-links/actions")).createLinkAction(
            { error: null, id: null },
            form({ amount: 50, reference: "PLANTED", expiresInMinutes: 30 }),
          ),
        answers: { ok: true, value: { error: null } },
        unchanged: async () => {
          expect(await db.checkoutSession.findMany({ where: { merchantId: b.merchant.id } })).toEqual([
            b.link,
          ]);
          expect(
            await db.checkoutSession.findFirstOrThrow({ where: { reference: "PLANTED" } }),
          ).toMatchObject({
            merchantId: a.merchant.id,
          });
        },
      },
      ...(["changeRoleAction", "removeMemberAction"] as const).map((name) => ({
        name: `${name} (B's owner)`,
        run: async () => {
          const actions = await import("@/app/(dashboard)/settings/actions");
          const membershipId = (await ownerMembershipOfB()).id;
          return name === "changeRoleAction"
            ? actions.changeRoleAction({ membershipId, role: "viewer" })
            : actions.removeMemberAction(membershipId);
        },
        answers: { ok: true, value: { error: "No such team member." } },
        unchanged: async () => {
          expect(await ownerMembershipOfB()).toMatchObject({ role: "owner" });
        },
      })),
      {
        name: "revealPhoneAction (B's payment)",
        run: async () =>
          (await import("@/app/(dashboard)/payments/[id]/actions")).revealPhoneAction(b.payments.paid.id),
        answers: { ok: true, value: { phone: null, error: "No such payment." } },
        unchanged: async () => {},
      },
      ...(["approvePayoutAction", "rejectPayoutAction", "cancelPayoutAction"] as const).map((name) => ({
        name: `${name} (B's payout)`,
        run: async () => {
          const actions = await import("@/app/(dashboard)/payouts/actions");
          return name === "rejectPayoutAction"
            ? actions.rejectPayoutAction(bPayout.id, "Not my merchant's payout")
            : actions[name](bPayout.id);
        },
        answers: { ok: true, value: { error: "No payout with this id." } },
        unchanged: async () => {
          expect(await db.payout.findUniqueOrThrow({ where: { id: bPayout.id } })).toEqual(bPayout);
        },
      })),
      {
        name: "approveBatchAction (B's batch)",
        run: async () => (await import("@/app/(dashboard)/payouts/actions")).approveBatchAction(bBatchId),
        answers: { ok: true, value: { error: "No payout batch with this id." } },
        unchanged: async () => {
          expect(await db.payout.count({ where: { batchId: bBatchId, status: "pending_approval" } })).toBe(3);
        },
      },
      {
        name: "revokeInvitationAction (B's invitation)",
        run: async () => {
          const { revokeInvitationAction } = await import("@/app/(dashboard)/settings/actions");
          return revokeInvitationAction((await invitationOfB()).id);
        },
        answers: { ok: true, value: { error: "No pending invitation with this id." } },
        unchanged: async () => {
          expect(await invitationOfB()).toMatchObject({ revokedAt: null });
        },
      },
    ];

    it.each(attempts)("$name refuses B's rows and leaves them unchanged", async (attempt) => {
      const auditOfB = () => db.auditLog.count({ where: { merchantId: b.merchant.id } });
      const before = await auditOfB();
      signIn(a.owner, b.merchant.slug);
      expect(await callAction(attempt.run)).toMatchObject(attempt.answers);
      await attempt.unchanged();
      expect(await auditOfB()).toBe(before);
    });

    it("switchMerchantAction does not switch to a merchant the user does not belong to", async () => {
      const { switchMerchantAction } = await import("@/app/(dashboard)/actions");
      signIn(a.owner);
      expect(await callAction(() => switchMerchantAction(b.merchant.slug))).toMatchObject({
        ok: false,
        digest: redirectDigest("/"),
      });
      expect(cookie()).toBeUndefined();

      // A member of both may switch, and then sees B's data (the control for the refusal above).
      const both = await createMember(db, { merchantId: a.merchant.id, role: "viewer" });
      await db.membership.create({
        data: { userId: both.user.id, merchantId: b.merchant.id, role: "viewer" },
      });
      signIn(both.user);
      await callAction(() => switchMerchantAction(b.merchant.slug));
      expect(cookie()).toBe(b.merchant.slug);
    });

    it("replaying A's own callback that names B's payment leaves B's payment alone", async () => {
      const forged = await db.callbackInbox.create({
        data: {
          merchantId: a.merchant.id,
          kind: "stk",
          state: "dead",
          body: JSON.stringify({
            Body: {
              stkCallback: {
                MerchantRequestID: "m",
                CheckoutRequestID: b.payments.pending.checkoutRequestId,
                ResultCode: 1032,
                ResultDesc: "Request cancelled by user",
              },
            },
          }),
        },
      });
      signIn(a.owner);
      const { replayAction } = await import("@/app/(dashboard)/callbacks/actions");
      await callAction(() => replayAction(forged.id));
      expect(await db.payment.findUniqueOrThrow({ where: { id: b.payments.pending.id } })).toEqual(
        b.payments.pending,
      );
    });
  });

  // A's staff see A's callback URL and secret, and simulator merchants skip the IP allowlist:
  // a result naming B's CheckoutRequestID must still never touch B's payment.
  it("an STK callback sent to A's URL cannot settle B's payment", async () => {
    const { POST } = await import("@/app/api/mpesa/[kind]/[merchantId]/[secret]/route");
    const params = { kind: "stk", merchantId: a.merchant.id, secret: a.merchant.callbackSecret };
    const res = await POST(
      new Request(`http://localhost/api/mpesa/stk/${params.merchantId}/${params.secret}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          Body: {
            stkCallback: {
              MerchantRequestID: "m",
              CheckoutRequestID: b.payments.pending.checkoutRequestId,
              ResultCode: 2001,
              ResultDesc: "The initiator information is invalid.",
            },
          },
        }),
      }),
      { params: Promise.resolve(params) },
    );
    expect(res.status).toBe(200);
    await runAfterTasks();
    expect(await db.payment.findUniqueOrThrow({ where: { id: b.payments.pending.id } })).toMatchObject({
      status: "pending",
    });
  });
});
