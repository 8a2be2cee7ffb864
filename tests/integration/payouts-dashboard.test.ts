// The payout queue's pages, routes and server actions, called as Next calls them (only the request
// context is faked, tests/support/next-request.ts) against the real database: a CSV upload's
// preview and queueing, four eyes through the actions, roles that may not, and another merchant's
// ids. The rules themselves are the core's (tests/integration/payouts-core.test.ts).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PAYOUT_CSV_COLUMNS } from "@/lib/payments/payouts/payout-csv";
import type { Payout } from "@/prisma/generated/prisma/client";
import type { Role } from "@/prisma/generated/prisma/enums";
import { createMember, createMerchant, createPayout, createPayoutBatch } from "../factories";
import {
  callAction,
  FORBIDDEN,
  form,
  NOT_FOUND,
  renderPage,
  signIn,
  stubAppEnv,
} from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

const keyring = stubAppEnv(testDatabaseUrl());

const actions = () => import("@/app/(dashboard)/payouts/actions");
const HEADER = PAYOUT_CSV_COLUMNS.join(",");
/** Line 3 has a bad amount; line 4 is a B2B paybill payment. */
const CSV = [
  HEADER,
  "BusinessPayment,150,0712345678,,,Rider Amina,Week 48",
  "BusinessPayment,12x,0712345679,,,Rider Baraka,Week 48",
  "BusinessPayBill,2500,,888880,INV-1042,Supplier invoice,",
].join("\n");

const csvForm = (intent: "preview" | "queue", csv = CSV, name = "Riders week 48") => {
  const data = form({ intent, name });
  data.set("file", new File([csv], "riders.csv", { type: "text/csv" }));
  return data;
};
const emptyCsvState = { error: null, preview: null, batchId: null, excluded: [] };

describe("payouts dashboard", () => {
  const db = testDb();
  const people = {} as Record<
    "owner" | "admin" | "approver" | "approver2" | "developer" | "viewer",
    { id: string }
  >;
  let merchantId: string;
  let other: { merchantId: string; payout: Payout; batchId: string; owner: { id: string } };

  beforeAll(async () => {
    const merchant = await createMerchant(db, { name: "Payout Traders", slug: "payout-traders" });
    merchantId = merchant.id;
    const roles: Record<keyof typeof people, Role> = {
      owner: "owner",
      admin: "admin",
      approver: "approver",
      approver2: "approver",
      developer: "developer",
      viewer: "viewer",
    };
    for (const [name, role] of Object.entries(roles))
      people[name as keyof typeof people] = (await createMember(db, { merchantId, role })).user;

    const b = await createMerchant(db, { name: "Other Traders", slug: "other-traders" });
    const bOwner = (await createMember(db, { merchantId: b.id, role: "owner" })).user;
    const bRequester = (await createMember(db, { merchantId: b.id, role: "admin" })).user;
    const payout = await createPayout(db, {
      merchantId: b.id,
      keyring,
      status: "pending_approval",
      approvedAt: null,
      requestedById: bRequester.id,
      remarks: "OTHER-MERCHANT-PAYOUT",
    });
    const batch = await createPayoutBatch(db, { merchantId: b.id, requestedById: bRequester.id });
    other = { merchantId: b.id, payout, batchId: batch.batch.id, owner: bOwner };
  });

  afterAll(async () => {
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  const payoutsOf = (m = merchantId) =>
    db.payout.findMany({ where: { merchantId: m }, orderBy: { batchRow: "asc" } });

  describe("CSV batches", () => {
    it("previews a file with a bad row: count, total, the row number and field; nothing stored", async () => {
      signIn(people.admin);
      const state = await (await actions()).payoutCsvAction(emptyCsvState, csvForm("preview"));
      expect(state.error).toBeNull();
      expect(state.preview).toMatchObject({ count: 2, total: 2650, rows: 3 });
      expect(state.preview?.invalid).toEqual([
        expect.objectContaining({ row: 3, field: "amount", value: "12x" }),
      ]);
      expect(await db.payoutBatch.count({ where: { merchantId } })).toBe(0);
      expect(await payoutsOf()).toEqual([]);
    });

    it("refuses a file that is not the template, naming what is wrong", async () => {
      signIn(people.admin);
      const state = await (await actions()).payoutCsvAction(
        emptyCsvState,
        csvForm("preview", "who,what\n1,2\n"),
      );
      expect(state.error).toMatch(/Unknown column "who"/);
      const none = form({ intent: "preview" });
      expect((await (await actions()).payoutCsvAction(emptyCsvState, none)).error).toMatch(
        /Choose a CSV file/,
      );
    });

    it("queues one batch of the valid rows only, each keeping its line, and lists the excluded row", async () => {
      signIn(people.admin);
      const state = await (await actions()).payoutCsvAction(emptyCsvState, csvForm("queue"));
      expect(state.error).toBeNull();
      expect(state.batchId).toEqual(expect.any(String));
      expect(state.excluded).toEqual([expect.objectContaining({ row: 3, field: "amount" })]);
      const batch = await db.payoutBatch.findUniqueOrThrow({ where: { id: state.batchId ?? "" } });
      expect(batch).toMatchObject({ merchantId, count: 2, total: 2650, name: "Riders week 48" });
      const rows = await payoutsOf();
      expect(rows.map((p) => [p.batchRow, p.kind, p.amount, p.status])).toEqual([
        [2, "b2c", 150, "pending_approval"],
        [4, "b2b", 2500, "pending_approval"],
      ]);
      expect(rows[0]?.recipientPhoneMasked).not.toContain("712345678");
      expect(rows[1]).toMatchObject({ recipientShortcode: "888880", accountReference: "INV-1042" });
    });

    it("refuses the requester's own approval, of a row or of the batch; another approver's counts", async () => {
      const [first, second] = await payoutsOf();
      if (!first || !second?.batchId) throw new Error("queued rows missing");
      signIn(people.admin);
      expect(await (await actions()).approvePayoutAction(first.id)).toEqual({
        error: expect.stringMatching(/You requested this payout/),
      });
      expect((await (await actions()).approveBatchAction(second.batchId)).error).toMatch(
        /You requested this batch/,
      );
      expect((await payoutsOf()).map((p) => p.status)).toEqual(["pending_approval", "pending_approval"]);
      expect(await db.payoutApproval.count({ where: { merchantId } })).toBe(0);

      signIn(people.approver);
      expect(await (await actions()).approvePayoutAction(first.id)).toEqual({ error: null });
      expect(await (await actions()).approveBatchAction(second.batchId)).toEqual({
        error: null,
        ready: 1,
        waiting: 0,
      });
      expect((await payoutsOf()).map((p) => p.status)).toEqual(["approved", "approved"]);
      const approvals = await db.payoutApproval.findMany({ where: { merchantId } });
      expect(approvals.map((a) => a.userId)).toEqual([people.approver.id, people.approver.id]);
    });

    it("rejects only with a note, and lets the requester cancel", async () => {
      signIn(people.admin);
      const { requestPayoutAction } = await actions();
      const requested = await requestPayoutAction(
        { error: null, errors: [], payoutId: null },
        form({
          kind: "b2c",
          command: "SalaryPayment",
          amount: 900,
          phone: "0722 000 111",
          remarks: "Salary",
        }),
      );
      expect(requested).toMatchObject({ error: null, payoutId: expect.any(String) });
      const bad = await requestPayoutAction(
        { error: null, errors: [], payoutId: null },
        form({ kind: "b2b", command: "BusinessPayBill", amount: 5, shortcode: "12", remarks: "x" }),
      );
      expect(bad.payoutId).toBeNull();
      expect(bad.errors.map((e) => e.field).sort()).toEqual([
        "accountReference",
        "amount",
        "remarks",
        "shortcode",
      ]);

      const id = requested.payoutId ?? "";
      signIn(people.approver);
      expect((await (await actions()).rejectPayoutAction(id, "  ")).error).toMatch(/Say why/);
      // Cancelling is the requester's (or an owner's), never an approver's.
      expect(await callAction(async () => (await actions()).cancelPayoutAction(id))).toMatchObject({
        digest: FORBIDDEN,
      });
      signIn(people.admin);
      expect(await (await actions()).cancelPayoutAction(id)).toEqual({ error: null });
      expect(await db.payout.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "cancelled" });
    });
  });

  describe("roles that may not", () => {
    const anyId = () => other.payout.id;
    const writes = [
      {
        name: "requestPayoutAction",
        run: async () =>
          (await actions()).requestPayoutAction(
            { error: null, errors: [], payoutId: null },
            form({
              kind: "b2c",
              command: "BusinessPayment",
              amount: 100,
              phone: "0712345678",
              remarks: "Nope",
            }),
          ),
      },
      {
        name: "payoutCsvAction",
        run: async () => (await actions()).payoutCsvAction(emptyCsvState, csvForm("queue")),
      },
      { name: "approvePayoutAction", run: async () => (await actions()).approvePayoutAction(anyId()) },
      {
        name: "rejectPayoutAction",
        run: async () => (await actions()).rejectPayoutAction(anyId(), "No way"),
      },
      { name: "cancelPayoutAction", run: async () => (await actions()).cancelPayoutAction(anyId()) },
      { name: "approveBatchAction", run: async () => (await actions()).approveBatchAction(other.batchId) },
    ];

    it.each(writes)("refuses a viewer and a developer: $name", async (write) => {
      const before = await db.payout.count();
      for (const who of [people.viewer, people.developer]) {
        signIn(who);
        expect(await callAction(write.run)).toMatchObject({ ok: false, digest: FORBIDDEN });
      }
      expect(await db.payout.count()).toBe(before);
    });

    it("refuses an approver requesting, and everyone but an owner changing the policy", async () => {
      signIn(people.approver);
      expect(await callAction(writes[0]?.run ?? (() => null))).toMatchObject({ digest: FORBIDDEN });
      const { savePayoutPolicyAction } = await import("@/app/(dashboard)/settings/actions");
      const policy = form({ approverRoles: "approver", maxPerPayout: 1000, submitPerSecond: 1 });
      signIn(people.admin);
      expect(await savePayoutPolicyAction({ error: null, saved: false }, policy)).toEqual({
        error: "Only an owner can change the payout policy.",
        saved: false,
      });
      signIn(people.viewer);
      expect(
        await callAction(() => savePayoutPolicyAction({ error: null, saved: false }, policy)),
      ).toMatchObject({
        digest: FORBIDDEN,
      });
      expect(await db.payoutPolicy.count({ where: { merchantId } })).toBe(0);
      signIn(people.owner);
      const blank = form({
        approverRoles: "owner",
        dualApprovalAbove: "",
        maxPerPayout: "x",
        submitPerSecond: 2,
      });
      expect((await savePayoutPolicyAction({ error: null, saved: false }, blank)).error).toMatch(
        /maxPerPayout/,
      );
    });
  });

  describe("another merchant's ids", () => {
    it("answers every action as if B's payout and batch did not exist, and changes nothing", async () => {
      const unchanged = await db.payout.findMany({ where: { merchantId: other.merchantId } });
      signIn(people.owner);
      const a = await actions();
      expect(await a.approvePayoutAction(other.payout.id)).toEqual({ error: "No payout with this id." });
      expect(await a.rejectPayoutAction(other.payout.id, "Not ours")).toEqual({
        error: "No payout with this id.",
      });
      expect(await a.cancelPayoutAction(other.payout.id)).toEqual({ error: "No payout with this id." });
      expect(await a.approvePayoutAction("not-a-uuid")).toEqual({ error: "No payout with this id." });
      expect((await a.approveBatchAction(other.batchId)).error).toBe("No payout batch with this id.");
      expect(await db.payout.findMany({ where: { merchantId: other.merchantId } })).toEqual(unchanged);
      expect(await db.payoutApproval.count({ where: { merchantId: other.merchantId } })).toBe(0);
    });

    it("answers 404 for B's payout and batch pages, and B's rows never reach A's list or export", async () => {
      signIn(people.owner, "other-traders");
      const payoutPage = (await import("@/app/(dashboard)/payouts/[id]/page")).default;
      const batchPage = (await import("@/app/(dashboard)/payouts/batches/[id]/page")).default;
      for (const id of [other.payout.id, "nope"])
        expect(
          await callAction(() => renderPage(payoutPage, { params: Promise.resolve({ id }) })),
        ).toMatchObject({
          digest: NOT_FOUND,
        });
      expect(
        await callAction(() => renderPage(batchPage, { params: Promise.resolve({ id: other.batchId }) })),
      ).toMatchObject({ digest: NOT_FOUND });

      const { GET } = await import("@/app/api/dashboard/payouts/route");
      const exportRoute = await import("@/app/api/dashboard/payouts/export/route");
      for (const tab of ["waiting_for_me", "waiting_for_others", "in_flight", "failed"]) {
        const text = await (
          await GET(new Request(`http://localhost/api/dashboard/payouts?tab=${tab}`))
        ).text();
        expect(text).not.toContain(other.payout.id);
      }
      const csv = await (
        await exportRoute.GET(new Request("http://localhost/api/dashboard/payouts/export"))
      ).text();
      expect(csv).not.toContain(other.payout.id);
      expect(csv).not.toContain("OTHER-MERCHANT-PAYOUT");
    });
  });

  describe("pages and routes", () => {
    it("lists the tabs with counts, approvals n/m and masked recipients; the badge counts what waits for me", async () => {
      signIn(people.admin);
      const waiting = await (await actions()).requestPayoutAction(
        { error: null, errors: [], payoutId: null },
        form({
          kind: "b2c",
          command: "BusinessPayment",
          amount: 321,
          phone: "0733 444 555",
          remarks: "=cmd|' /C calc'!A0",
        }),
      );
      const { GET } = await import("@/app/api/dashboard/payouts/route");
      signIn(people.approver2);
      const res = await GET(new Request("http://localhost/api/dashboard/payouts?tab=waiting_for_me"));
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        data: { id: string; approvals: number; approvalsRequired: number; recipient: { phone: string } }[];
        counts: Record<string, number>;
      };
      expect(body.data.map((p) => p.id)).toEqual([waiting.payoutId]);
      expect(body.data[0]).toMatchObject({ approvals: 0, approvalsRequired: 1 });
      expect(JSON.stringify(body)).not.toMatch(/733444555/);
      expect(body.counts).toMatchObject({ waiting_for_me: 1, in_flight: 2, failed: 1 });
      const badge = await (
        await GET(new Request("http://localhost/api/dashboard/payouts?counts=only"))
      ).json();
      expect(badge).toEqual({ counts: expect.objectContaining({ waiting_for_me: 1 }) });
      expect((await GET(new Request("http://localhost/api/dashboard/payouts?tab=bogus"))).status).toBe(422);

      // The requester sees it waiting for others, never for themselves.
      signIn(people.admin);
      const mine = (await (
        await GET(new Request("http://localhost/api/dashboard/payouts?tab=waiting_for_me"))
      ).json()) as {
        data: unknown[];
        counts: Record<string, number>;
      };
      expect(mine.data).toEqual([]);
      expect(mine.counts.waiting_for_others).toBe(1);

      // The layout hands the badge to the navigation.
      signIn(people.approver2);
      const layout = await renderPage((await import("@/app/(dashboard)/layout")).default, { children: null });
      expect(layout).toContain('"payoutsWaiting":1');
      signIn(people.viewer);
      const viewerLayout = await renderPage((await import("@/app/(dashboard)/layout")).default, {
        children: null,
      });
      expect(viewerLayout).toContain('"payoutsWaiting":null');
    });

    it("renders the queue, a payout's timeline and a batch with totals by status", async () => {
      const [first] = await payoutsOf();
      if (!first?.batchId) throw new Error("queued rows missing");
      signIn(people.viewer);
      const page = await renderPage((await import("@/app/(dashboard)/payouts/page")).default, {
        searchParams: Promise.resolve({ tab: "in_flight" }),
      });
      expect(page).toContain(first.id);
      expect(page).not.toContain("NewPayoutForm");
      const timeline = await renderPage((await import("@/app/(dashboard)/payouts/[id]/page")).default, {
        params: Promise.resolve({ id: first.id }),
      });
      const approver = await db.user.findUniqueOrThrow({ where: { id: people.approver.id } });
      expect(timeline).toContain("Requested by");
      expect(timeline).toContain(`Approved by ${approver.email}`);
      const batch = await renderPage((await import("@/app/(dashboard)/payouts/batches/[id]/page")).default, {
        params: Promise.resolve({ id: first.batchId }),
      });
      expect(batch).toContain("Riders week 48");
      expect(batch).toContain("batch-total-approved");
    });

    it("exports payouts as CSV with masked phones and formulas neutralised", async () => {
      signIn(people.owner);
      const exportRoute = await import("@/app/api/dashboard/payouts/export/route");
      const res = await exportRoute.GET(new Request("http://localhost/api/dashboard/payouts/export"));
      expect(res.headers.get("Content-Disposition")).toContain("payouts-payout-traders");
      const csv = await res.text();
      expect(csv.split("\n")[0]).toMatch(/^created_at,status,kind,command,amount_kes,recipient/);
      expect(csv).toContain("'=cmd");
      expect(csv).not.toMatch(/733444555|0733 444 555/);
      const template = await (await import("@/app/api/dashboard/payouts/template/route")).GET();
      expect(await template.text()).toMatch(
        /^command,amount,phone,shortcode,account_reference,remarks,occasion\n/,
      );
    });
  });
});
