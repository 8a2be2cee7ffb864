// A viewer (and any role without the permission) cannot perform a write: every write server
// action, called with the merchant's own valid ids and form data, is refused and changes nothing.
// New write actions go in `writes`, one entry each.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { simulatorCredentials, upsertMpesaCredential } from "@/lib/merchants/mpesa-credentials";
import type { Permission } from "@/lib/permissions";
import { ROLE_PERMISSIONS } from "@/lib/permissions";
import { startSimulator } from "@/lib/simulator/server";
import { createInvitation } from "@/lib/team/create-invitation";
import type { Invitation, Membership, Payout, PayoutBatch } from "@/prisma/generated/prisma/client";
import type { Role } from "@/prisma/generated/prisma/enums";
import { createMember, createPayout, createPayoutBatch, createReviewItem } from "../factories";
import {
  callAction,
  FORBIDDEN,
  form,
  redirectDigest,
  renderPage,
  signIn,
  stubAppEnv,
} from "../support/next-request";
import { createTenantWorld, type TenantWorld } from "../support/tenant-world";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
// Approving hands payouts to submission with after(): queued, never run here.
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const keyring = stubAppEnv(testDatabaseUrl());

const settings = () => import("@/app/(dashboard)/settings/actions");
const links = () => import("@/app/(dashboard)/checkout-links/actions");
const mismatches = () => import("@/app/(dashboard)/mismatches/actions");
const callbacks = () => import("@/app/(dashboard)/callbacks/actions");
const payouts = () => import("@/app/(dashboard)/payouts/actions");
const reconciliation = () => import("@/app/(dashboard)/reconciliation/actions");

describe("writes a role does not allow", () => {
  const db = testDb();
  let w: TenantWorld;
  let secondReview: Awaited<ReturnType<typeof createReviewItem>>;
  const members = {} as Record<Role, { id: string }>;

  let sim: Awaited<ReturnType<typeof startSimulator>>;
  const team = {} as {
    mover: Membership;
    leaver: Membership;
    invitation: Invitation;
  };
  /** Payouts someone other than the owner requested, one per payout write. */
  const pending = {} as Record<"approve" | "reject" | "cancel", Payout> & { batch: PayoutBatch };

  beforeAll(async () => {
    sim = await startSimulator({ autoAnswerMs: 20 });
    vi.stubEnv("MPESA_BASE_URL", sim.url);
    w = await createTenantWorld(db, { keyring, tag: "ALPHA", phone: "254711000111", paidToday: 1234 });
    await upsertMpesaCredential(db, keyring, w.merchant.id, simulatorCredentials(sim.certificatePem));
    const production = { ...simulatorCredentials(sim.certificatePem), environment: "production" as const };
    await upsertMpesaCredential(db, keyring, w.merchant.id, production);
    team.mover = (await createMember(db, { merchantId: w.merchant.id, role: "viewer" })).membership;
    team.leaver = (await createMember(db, { merchantId: w.merchant.id, role: "developer" })).membership;
    team.invitation = (
      await createInvitation(db, {
        merchantId: w.merchant.id,
        email: "pending@example.com",
        role: "viewer",
        actor: { id: w.owner.id, label: w.owner.email, role: "owner" },
      })
    ).invitation;
    secondReview = await createReviewItem(db, { merchantId: w.merchant.id, kind: "unknown_callback" });
    for (const role of Object.keys(ROLE_PERMISSIONS) as Role[]) {
      members[role] = (await createMember(db, { merchantId: w.merchant.id, role })).user;
    }
    for (const name of ["approve", "reject", "cancel"] as const) {
      pending[name] = await createPayout(db, {
        merchantId: w.merchant.id,
        keyring,
        status: "pending_approval",
        approvedAt: null,
        requestedById: members.admin.id,
      });
    }
    pending.batch = (
      await createPayoutBatch(db, { merchantId: w.merchant.id, requestedById: members.admin.id })
    ).batch;
  });

  afterAll(async () => {
    await sim.close();
  });

  const unchangedRow = async <T>(read: () => Promise<T>, expected: () => T) =>
    expect(await read()).toEqual(expected());

  /** Every write action, with valid input for the merchant's own rows. */
  const writes: {
    name: string;
    permission: Permission;
    run: () => Promise<unknown>;
    unchanged: () => Promise<void>;
  }[] = [
    {
      name: "createKeyAction",
      permission: "apikeys:manage",
      run: async () =>
        (await settings()).createKeyAction(
          { error: null, key: null },
          form({ name: "New key", scopes: "payments:read" }),
        ),
      unchanged: () =>
        unchangedRow(
          () => db.apiKey.findMany({ where: { merchantId: w.merchant.id } }),
          () => [w.apiKey],
        ),
    },
    {
      name: "revokeKeyAction",
      permission: "apikeys:manage",
      run: async () => (await settings()).revokeKeyAction(w.apiKey.id),
      unchanged: () =>
        unchangedRow(
          () => db.apiKey.findUnique({ where: { id: w.apiKey.id } }),
          () => w.apiKey,
        ),
    },
    {
      name: "createLinkAction",
      permission: "checkout:manage",
      run: async () =>
        (await links()).createLinkAction(
          { error: null, id: null },
          form({ amount: 250, reference: "NEW-LINK", description: "Valid", expiresInMinutes: 60 }),
        ),
      unchanged: () =>
        unchangedRow(
          () => db.checkoutSession.findMany({ where: { merchantId: w.merchant.id } }),
          () => [w.link],
        ),
    },
    {
      name: "cancelLinkAction",
      permission: "checkout:manage",
      run: async () => (await links()).cancelLinkAction(w.link.id),
      unchanged: () =>
        unchangedRow(
          () => db.checkoutSession.findUnique({ where: { id: w.link.id } }),
          () => w.link,
        ),
    },
    {
      name: "resolveAction (accept)",
      permission: "review:resolve",
      run: async () =>
        (await mismatches()).resolveAction(
          { error: null, done: false },
          form({ itemId: w.review.id, action: "accept", note: "Customer short-paid, agreed" }),
        ),
      unchanged: async () => {
        await unchangedRow(
          () => db.reviewItem.findUnique({ where: { id: w.review.id } }),
          () => w.review,
        );
        await unchangedRow(
          () => db.payment.findUnique({ where: { id: w.payments.held.id } }),
          () => w.payments.held,
        );
      },
    },
    {
      name: "resolveAction (dismiss)",
      permission: "review:resolve",
      run: async () =>
        (await mismatches()).resolveAction(
          { error: null, done: false },
          form({ itemId: secondReview.id, action: "dismiss", note: "Known test callback" }),
        ),
      unchanged: () =>
        unchangedRow(
          () => db.reviewItem.findUnique({ where: { id: secondReview.id } }),
          () => secondReview,
        ),
    },
    {
      name: "replayAction",
      permission: "callbacks:replay",
      run: async () => (await callbacks()).replayAction(w.callbacks.dead.id),
      unchanged: () =>
        unchangedRow(
          () => db.callbackInbox.findUnique({ where: { id: w.callbacks.dead.id } }),
          () => w.callbacks.dead,
        ),
    },
    {
      name: "inviteAction",
      permission: "team:manage",
      run: async () =>
        (await settings()).inviteAction(
          { error: null, link: null, email: null },
          form({ email: "newcomer@example.com", role: "developer" }),
        ),
      unchanged: async () =>
        expect(await db.invitation.count({ where: { email: "newcomer@example.com" } })).toBe(0),
    },
    {
      name: "changeRoleAction",
      permission: "team:manage",
      run: async () => (await settings()).changeRoleAction({ membershipId: team.mover.id, role: "admin" }),
      unchanged: () =>
        unchangedRow(
          () => db.membership.findUnique({ where: { id: team.mover.id } }),
          () => team.mover,
        ),
    },
    {
      name: "removeMemberAction",
      permission: "team:manage",
      run: async () => (await settings()).removeMemberAction(team.leaver.id),
      unchanged: () =>
        unchangedRow(
          () => db.membership.findUnique({ where: { id: team.leaver.id } }),
          () => team.leaver,
        ),
    },
    {
      name: "revokeInvitationAction",
      permission: "team:manage",
      run: async () => (await settings()).revokeInvitationAction(team.invitation.id),
      unchanged: () =>
        unchangedRow(
          () => db.invitation.findUnique({ where: { id: team.invitation.id } }),
          () => team.invitation,
        ),
    },
    {
      name: "saveMpesaAction",
      permission: "mpesa:manage",
      run: async () =>
        (await settings()).saveMpesaAction(
          { error: null, saved: false },
          form({
            environment: "sandbox",
            accountType: "paybill",
            stkShortcode: "174379",
            shortcode: "600999",
            consumerKey: "ck",
            consumerSecret: "cs",
            passkey: "pk",
          }),
        ),
      unchanged: async () =>
        expect(
          await db.mpesaCredential.count({ where: { merchantId: w.merchant.id, environment: "sandbox" } }),
        ).toBe(0),
    },
    {
      name: "registerC2bAction",
      permission: "mpesa:manage",
      run: async () => (await settings()).registerC2bAction(),
      unchanged: async () => expect(sim.state.orgs.get("600000")?.c2b).toBeUndefined(),
    },
    {
      name: "revealPhoneAction",
      permission: "phones:view_full",
      run: async () =>
        (await import("@/app/(dashboard)/payments/[id]/actions")).revealPhoneAction(w.payments.paid.id),
      unchanged: async () =>
        expect(await db.auditLog.count({ where: { action: "payment.phone_revealed" } })).toBe(0),
    },
    {
      name: "updateProfileAction",
      permission: "settings:manage",
      run: async () =>
        (await settings()).updateProfileAction(
          { error: null, saved: false },
          form({ name: "Renamed Traders" }),
        ),
      unchanged: async () =>
        expect((await db.merchant.findUniqueOrThrow({ where: { id: w.merchant.id } })).name).toBe(
          "ALPHA Traders",
        ),
    },
    {
      name: "requestPayoutAction",
      permission: "payouts:request",
      run: async () =>
        (await payouts()).requestPayoutAction(
          { error: null, errors: [], payoutId: null },
          form({
            kind: "b2c",
            command: "BusinessPayment",
            amount: 100,
            phone: "0712345678",
            remarks: "VW-REQUEST",
          }),
        ),
      unchanged: async () => expect(await db.payout.count({ where: { remarks: "VW-REQUEST" } })).toBe(0),
    },
    {
      name: "payoutCsvAction",
      permission: "payouts:request",
      run: async () => {
        const data = form({ intent: "queue", name: "VW-BATCH" });
        const csv = "command,amount,phone,remarks\nBusinessPayment,100,0712345678,Rider\n";
        data.set("file", new File([csv], "batch.csv", { type: "text/csv" }));
        return (await payouts()).payoutCsvAction(
          { error: null, preview: null, batchId: null, excluded: [] },
          data,
        );
      },
      unchanged: async () => expect(await db.payoutBatch.count({ where: { name: "VW-BATCH" } })).toBe(0),
    },
    ...(["approve", "reject", "cancel"] as const).map((name) => ({
      name: `${name}PayoutAction`,
      permission: (name === "cancel" ? "payouts:request" : "payouts:approve") as Permission,
      run: async () => {
        const actions = await payouts();
        const id = pending[name].id;
        return name === "approve"
          ? actions.approvePayoutAction(id)
          : name === "reject"
            ? actions.rejectPayoutAction(id, "Not this week")
            : actions.cancelPayoutAction(id);
      },
      unchanged: () =>
        unchangedRow(
          () => db.payout.findUnique({ where: { id: pending[name].id } }),
          () => pending[name],
        ),
    })),
    {
      name: "approveBatchAction",
      permission: "payouts:approve",
      run: async () => (await payouts()).approveBatchAction(pending.batch.id),
      unchanged: async () =>
        expect(
          await db.payout.count({
            where: { batchId: pending.batch.id, status: { not: "pending_approval" } },
          }),
        ).toBe(0),
    },
    {
      name: "savePayoutPolicyAction",
      permission: "settings:manage",
      run: async () =>
        (await settings()).savePayoutPolicyAction(
          { error: null, saved: false },
          form({ approverRoles: "owner", maxPerPayout: 5000, submitPerSecond: 1 }),
        ),
      unchanged: async () =>
        expect(await db.payoutPolicy.count({ where: { merchantId: w.merchant.id } })).toBe(0),
    },
    {
      name: "signOffAction",
      permission: "reconciliation:sign_off",
      run: async () => {
        // A past day that a statement window covers and nothing else in this table touches.
        const day = new Date(Date.now() + 3 * 3_600_000 - 10 * 86_400_000).toISOString().slice(0, 10);
        const start = new Date(`${day}T00:00:00+03:00`);
        await db.reconciliationRun.create({
          data: {
            kind: "statement",
            merchantId: w.merchant.id,
            windowStart: start,
            windowEnd: new Date(start.getTime() + 86_400_000),
            startedAt: new Date(),
            finishedAt: new Date(),
          },
        });
        return (await reconciliation()).signOffAction({ error: null, done: false }, form({ day }));
      },
      unchanged: async () =>
        expect(
          await db.reconciliationDay.count({
            where: { merchantId: w.merchant.id, signedOffAt: { not: null } },
          }),
        ).toBe(0),
    },
    // Last in the table: the owner's run moves the merchant to production.
    {
      name: "setEnvironmentAction",
      permission: "mpesa:manage",
      run: async () => (await settings()).setEnvironmentAction("production"),
      unchanged: async () =>
        expect((await db.merchant.findUniqueOrThrow({ where: { id: w.merchant.id } })).environment).toBe(
          "simulator",
        ),
    },
  ];

  const auditCount = () => db.auditLog.count({ where: { merchantId: w.merchant.id } });
  const expectRefused = async (write: (typeof writes)[number], digest: string) => {
    const before = await auditCount();
    expect(await callAction(write.run)).toMatchObject({ ok: false, digest });
    await write.unchanged();
    expect(await auditCount()).toBe(before);
  };

  it.each(writes)("refuses a viewer: $name", async (write) => {
    signIn(members.viewer);
    await expectRefused(write, FORBIDDEN);
  });

  it.each(writes)("refuses every role without $permission: $name", async (write) => {
    const lacking = (Object.keys(ROLE_PERMISSIONS) as Role[]).filter(
      (role) => !ROLE_PERMISSIONS[role].has(write.permission),
    );
    expect(lacking).toContain("viewer");
    for (const role of lacking) {
      signIn(members[role]);
      await expectRefused(write, FORBIDDEN);
    }
  });

  it.each(writes)("sends a signed-out caller to sign in: $name", async (write) => {
    signIn(null);
    await expectRefused(write, redirectDigest("/login"));
  });

  it("refuses a viewer the pages behind other permissions", async () => {
    signIn(members.viewer);
    for (const page of [
      await import("@/app/(dashboard)/callbacks/page"),
      await import("@/app/(dashboard)/audit-log/page"),
    ]) {
      const props = { params: Promise.resolve({}), searchParams: Promise.resolve({}) };
      expect(
        await callAction(() => renderPage(page.default as unknown as (p: typeof props) => never, props)),
      ).toMatchObject({ digest: FORBIDDEN });
    }
  });

  it("shows a viewer masked phone numbers only", async () => {
    signIn(members.viewer);
    const full = [w.phone, `0${w.phone.slice(3)}`];
    const masked = w.payments.paid.phoneMasked;
    const views = [
      await renderPage((await import("@/app/(dashboard)/payments/page")).default, {
        searchParams: Promise.resolve({}),
      }),
      await renderPage((await import("@/app/(dashboard)/payments/[id]/page")).default, {
        params: Promise.resolve({ id: w.payments.paid.id }),
      }),
      await (await import("@/app/api/dashboard/payments/route"))
        .GET(new Request(`http://localhost/api/dashboard/payments?phone=${w.phone}`))
        .then((r) => r.text()),
      await (await import("@/app/api/dashboard/payments/export/route"))
        .GET(new Request("http://localhost/api/dashboard/payments/export"))
        .then((r) => r.text()),
    ];
    for (const view of views) {
      expect(view).toContain(masked);
      for (const number of full) expect(view).not.toContain(number);
    }
    // The payment page shows the raw callback, which carried the payer's full number.
    expect(w.callbacks.settled.body).toContain(w.phone);
  });

  // Last: the same calls succeed for an owner, so the refusals above were about the role and
  // not about the input.
  it.each(writes)("lets an owner do it: $name", async (write) => {
    signIn(members.owner);
    const outcome = await callAction(write.run);
    expect(outcome).toMatchObject({ ok: true });
    const value = outcome.ok ? (outcome.value as { error?: unknown; message?: unknown } | undefined) : null;
    expect(value?.error ?? null).toBeNull();
    if (write.name === "replayAction") expect(value?.message).toMatch(/^Replayed/);
    if (write.name === "registerC2bAction") expect(sim.state.orgs.get("600000")?.c2b).toBeDefined();
  });
});
