// The payouts core up to "approved": requesting (validation, sealing, idempotency), the approval
// policy (who may approve, two approvers above a threshold, daily ceiling, utility balance),
// rejection, cancellation and the queue's tabs, against the real database.
import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { open } from "@/lib/crypto/seal";
import { AppError } from "@/lib/errors";
import { approvePayout } from "@/lib/payments/payouts/approve-payout";
import { approvePayoutBatch } from "@/lib/payments/payouts/approve-payout-batch";
import { cancelPayout } from "@/lib/payments/payouts/cancel-payout";
import { findPayouts, payoutTabWhere } from "@/lib/payments/payouts/find-payouts";
import { getPayout } from "@/lib/payments/payouts/get-payout";
import { DEFAULT_PAYOUT_POLICY, getPayoutPolicy } from "@/lib/payments/payouts/get-payout-policy";
import { rejectPayout } from "@/lib/payments/payouts/reject-payout";
import { type PayoutRequester, requestPayout } from "@/lib/payments/payouts/request-payout";
import { requestPayoutBatch } from "@/lib/payments/payouts/request-payout-batch";
import { updatePayoutPolicy } from "@/lib/payments/payouts/update-payout-policy";
import type { Role } from "@/prisma/generated/prisma/enums";
import {
  createAccountBalance,
  createApiKey,
  createMember,
  createMerchant,
  createPayout,
  createPayoutBatch,
  createPayoutPolicy,
} from "../factories";
import { testDb } from "./db";

const IP = "198.51.100.7";

describe("payouts core: requesting and approving", () => {
  const db = testDb();
  const keyring = parseKeyring(generateKeyringSpec("t1"));
  const deps = { keyring };
  type Person = { id: string; label: string; role: Role; ip: string };
  const people = {} as Record<"owner" | "admin" | "approverA" | "approverB" | "developer" | "viewer", Person>;
  let merchantId: string;

  /** A fresh merchant with one member of each role, so tests' policies and ceilings never meet. */
  async function world() {
    const merchant = await createMerchant(db);
    const roles = {
      owner: "owner",
      admin: "admin",
      approverA: "approver",
      approverB: "approver",
      developer: "developer",
      viewer: "viewer",
    } as const;
    const team = {} as typeof people;
    for (const [name, role] of Object.entries(roles)) {
      const { user } = await createMember(db, { role, merchantId: merchant.id });
      team[name as keyof typeof people] = { id: user.id, label: user.email, role, ip: IP };
    }
    return { merchantId: merchant.id, team };
  }

  const asRequester = (p: Person): PayoutRequester => ({ type: "user", ...p });
  const b2c = (overrides: Record<string, unknown> = {}) => ({
    command: "BusinessPayment",
    amount: 500,
    phone: "0712 345 678",
    remarks: "Rider payout",
    ...overrides,
  });
  const request = (fields: Record<string, unknown> = {}, by: Person = people.admin, m = merchantId) =>
    requestPayout(db, deps, { merchantId: m, requester: asRequester(by), ...b2c(fields) });

  beforeAll(async () => {
    const w = await world();
    merchantId = w.merchantId;
    Object.assign(people, w.team);
  });

  describe("requesting", () => {
    it("stores a B2C payout waiting for approval, its phone sealed, hashed and masked, and audits it", async () => {
      const payout = await request({ occasion: "June" });
      expect(payout).toMatchObject({
        status: "pending_approval",
        kind: "b2c",
        command: "BusinessPayment",
        amount: 500,
        recipientPhoneMasked: "2547•••••678",
        remarks: "Rider payout",
        occasion: "June",
        environment: "simulator",
        requestedById: people.admin.id,
        requesterLabel: people.admin.label,
        approvalsRequired: 1,
      });
      expect(payout.recipientPhoneSealed).not.toContain("254712345678");
      expect(open(keyring, payout.recipientPhoneSealed ?? "", `payout-phone:${merchantId}`)).toBe(
        "254712345678",
      );
      expect(payout.recipientPhoneHash).toMatch(/^[\w-]{20,}$/);
      const audit = await db.auditLog.findFirstOrThrow({
        where: { targetId: payout.id, action: "payout.requested" },
      });
      expect(audit).toMatchObject({ actorType: "user", actorId: people.admin.id, ip: IP });
      expect(audit.metadata).toMatchObject({
        amount: 500,
        command: "BusinessPayment",
        recipient: "2547•••••678",
      });
      expect(JSON.stringify(audit.metadata)).not.toContain("254712345678");
    });

    it("stores B2B payouts to a paybill with its account and to a till without one", async () => {
      const paybill = await request({
        command: "BusinessPayBill",
        phone: undefined,
        shortcode: "888880",
        accountReference: "ACC-42",
        amount: 12_000,
      });
      expect(paybill).toMatchObject({
        kind: "b2b",
        recipientShortcode: "888880",
        accountReference: "ACC-42",
        recipientPhoneSealed: null,
        recipientPhoneMasked: null,
      });
      const till = await request({ command: "BusinessBuyGoods", phone: undefined, shortcode: 5_123_456 });
      expect(till).toMatchObject({ kind: "b2b", recipientShortcode: "5123456", accountReference: null });
    });

    it("refuses bad input naming every bad field", async () => {
      const error = await request({
        amount: 5,
        phone: "0201 234 567",
        remarks: "x",
        occasion: "o".repeat(101),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("validation_failed");
      expect((error as AppError).details.errors?.map((e) => e.field)).toEqual([
        "amount",
        "phone",
        "remarks",
        "occasion",
      ]);
      expect((error as AppError).details.errors?.[0]?.message).toBe("The smallest payout is KES 10.");
    });

    it.each([
      [{ amount: 10.5 }, "amount", /whole shillings/],
      [{ amount: "ten" }, "amount", /amount in KES/],
      [{ amount: 150_001 }, "amount", /largest payout allowed is KES 150,000/],
      [{ phone: "+44 7700 900123" }, "phone", /Kenyan/],
      [{ phone: undefined }, "phone", /recipient's phone/],
      [{ command: "Refund" }, "command", /BusinessPayment/],
      [{ kind: "b2b" }, "kind", /B2C command/],
      [{ shortcode: "600000" }, "shortcode", /no shortcode/],
      [{ remarks: "Pay\u202eout" }, "remarks", /text-direction/],
      [{ remarks: "r".repeat(101) }, "remarks", /2-100/],
      [
        { command: "BusinessPayBill", phone: undefined, shortcode: "888880" },
        "accountReference",
        /account reference/,
      ],
      [
        { command: "BusinessPayBill", phone: undefined, shortcode: "1234", accountReference: "A" },
        "shortcode",
        /5-7 digits/,
      ],
      [
        {
          command: "BusinessPayBill",
          phone: undefined,
          shortcode: "888880",
          accountReference: "A".repeat(13),
        },
        "accountReference",
        /12/,
      ],
      [{ command: "BusinessBuyGoods", shortcode: "123456" }, "phone", /no phone/],
    ])("refuses %j on %s", async (fields, field, message) => {
      await expect(request(fields)).rejects.toMatchObject({ code: "validation_failed", details: { field } });
      await expect(request(fields)).rejects.toSatisfy((e: AppError) => message.test(e.publicMessage));
    });

    it("lets only roles with payouts:request ask (an approver or a viewer cannot)", async () => {
      for (const who of [people.approverA, people.developer, people.viewer]) {
        await expect(request({}, who)).rejects.toMatchObject({ code: "forbidden" });
      }
      expect((await request({}, people.owner)).status).toBe("pending_approval");
    });

    it("needs two approvals above the policy's threshold, in the merchant's current environment", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dualApprovalAbove: 1_000 });
      await db.merchant.update({ where: { id: w.merchantId }, data: { environment: "sandbox" } });
      const at = await request({ amount: 1_000 }, w.team.admin, w.merchantId);
      const above = await request({ amount: 1_001 }, w.team.admin, w.merchantId);
      expect([at.approvalsRequired, above.approvalsRequired]).toEqual([1, 2]);
      expect(above.environment).toBe("sandbox");
    });

    it("answers the same Idempotency-Key with the same payout and refuses it for a different body", async () => {
      const first = await request({ idempotencyKey: "pay-rider-1" });
      const again = await request({ idempotencyKey: "pay-rider-1", phone: "+254712345678" });
      expect(again.id).toBe(first.id);
      await expect(request({ idempotencyKey: "pay-rider-1", amount: 501 })).rejects.toMatchObject({
        code: "conflict",
      });
      const racing = await Promise.all(
        Array.from({ length: 6 }, () => request({ idempotencyKey: "pay-rider-2" })),
      );
      expect(new Set(racing.map((p) => p.id)).size).toBe(1);
      expect(
        await db.payout.count({
          where: { merchantId, idempotencyKey: { in: ["pay-rider-1", "pay-rider-2"] } },
        }),
      ).toBe(2);
      expect(
        await db.auditLog.count({ where: { targetId: racing[0]?.id, action: "payout.requested" } }),
      ).toBe(1);
    });
  });

  describe("approving", () => {
    it("approves a payout someone else requested: approved once, ready to submit, recorded with the IP", async () => {
      const payout = await request();
      const now = new Date();
      const result = await approvePayout(db, {
        merchantId,
        payoutId: payout.id,
        approver: people.approverA,
        now,
      });
      expect(result.readyToSubmit).toBe(true);
      expect(result.payout).toMatchObject({ status: "approved", approvedAt: now });
      const [approval] = await db.payoutApproval.findMany({ where: { payoutId: payout.id } });
      expect(approval).toMatchObject({ userId: people.approverA.id, decision: "approved", ip: IP });
      const audit = await db.auditLog.findFirstOrThrow({
        where: { targetId: payout.id, action: "payout.approved" },
      });
      expect(audit).toMatchObject({ actorId: people.approverA.id, ip: IP });
      expect(audit.metadata).toMatchObject({ approvals: 1, approvalsRequired: 1, status: "approved" });
      await expect(
        approvePayout(db, { merchantId, payoutId: payout.id, approver: people.approverB }),
      ).rejects.toMatchObject({ code: "conflict" });
    });

    it("never lets the requester approve their own payout", async () => {
      const payout = await request({}, people.owner);
      await expect(
        approvePayout(db, { merchantId, payoutId: payout.id, approver: people.owner }),
      ).rejects.toMatchObject({
        code: "forbidden",
        publicMessage: "You requested this payout: someone else must approve it.",
      });
      expect((await db.payout.findUniqueOrThrow({ where: { id: payout.id } })).status).toBe(
        "pending_approval",
      );
      expect(await db.payoutApproval.count({ where: { payoutId: payout.id } })).toBe(0);
    });

    it("refuses developers and viewers, and roles the policy leaves out", async () => {
      const w = await world();
      const payout = await request({}, w.team.owner, w.merchantId);
      for (const who of [w.team.developer, w.team.viewer]) {
        await expect(
          approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver: who }),
        ).rejects.toMatchObject({ code: "forbidden" });
      }
      await createPayoutPolicy(db, { merchantId: w.merchantId, approverRoles: ["owner", "admin"] });
      await expect(
        approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver: w.team.approverA }),
      ).rejects.toMatchObject({ code: "forbidden" });
      const ok = await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: payout.id,
        approver: w.team.admin,
      });
      expect(ok.readyToSubmit).toBe(true);
    });

    it("above the threshold needs two distinct approvers; the same one twice is refused", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dualApprovalAbove: 1_000 });
      const payout = await request({ amount: 5_000 }, w.team.admin, w.merchantId);
      const first = await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: payout.id,
        approver: w.team.approverA,
      });
      expect(first).toMatchObject({ readyToSubmit: false, payout: { status: "pending_approval" } });
      await expect(
        approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver: w.team.approverA }),
      ).rejects.toMatchObject({ code: "conflict" });
      const second = await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: payout.id,
        approver: w.team.approverB,
      });
      expect(second).toMatchObject({ readyToSubmit: true, payout: { status: "approved" } });
      const audits = await db.auditLog.findMany({
        where: { targetId: payout.id, action: "payout.approved" },
        orderBy: { seq: "asc" },
      });
      expect(audits.map((a) => (a.metadata as { approvals: number }).approvals)).toEqual([1, 2]);
    });

    it("refuses an approval above the daily ceiling with the figures; yesterday's approvals do not count", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dailyCeiling: 1_000 });
      const now = new Date("2026-12-02T20:30:00Z"); // 23:30 in Nairobi
      await createPayout(db, {
        merchantId: w.merchantId,
        amount: 900,
        status: "paid",
        approvedAt: new Date("2026-12-01T20:59:00Z"), // 23:59 the day before, Kenyan time
      });
      await createPayout(db, { merchantId: w.merchantId, amount: 200, status: "failed", approvedAt: now });
      const first = await request({ amount: 800 }, w.team.admin, w.merchantId);
      await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: first.id,
        approver: w.team.approverA,
        now,
      });
      const second = await request({ amount: 300 }, w.team.admin, w.merchantId);
      await expect(
        approvePayout(db, { merchantId: w.merchantId, payoutId: second.id, approver: w.team.approverA, now }),
      ).rejects.toMatchObject({
        code: "conflict",
        publicMessage:
          "Approving KES 300 would take today's approved payouts to KES 1,100, above the daily ceiling of KES 1,000 (KES 800 approved so far today; KES 200 left).",
      });
      // Past midnight in Nairobi (21:00 UTC) a new day starts.
      const tomorrow = new Date("2026-12-02T21:00:00Z");
      const ok = await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: second.id,
        approver: w.team.approverA,
        now: tomorrow,
      });
      expect(ok.readyToSubmit).toBe(true);
    });

    it("refuses an approval the latest utility balance cannot cover, net of payouts in flight", async () => {
      const w = await world();
      // No balance on record: nothing blocks.
      const big = await request({ amount: 50_000 }, w.team.admin, w.merchantId);
      await approvePayout(db, { merchantId: w.merchantId, payoutId: big.id, approver: w.team.approverA });
      await db.payout.update({
        where: { id: big.id },
        data: { status: "paid", settledAt: new Date(Date.now() - 60_000) },
      });
      await createAccountBalance(db, {
        merchantId: w.merchantId,
        utilityAvailableCents: 100_050n, // KES 1,000.50
        answeredAt: new Date(Date.now() - 10_000),
      });
      await createAccountBalance(db, {
        merchantId: w.merchantId,
        utilityAvailableCents: 99_999_999n,
        answeredAt: new Date(Date.now() - 3_600_000), // older: not the latest
      });
      await createAccountBalance(db, {
        merchantId: w.merchantId,
        environment: "production",
        utilityAvailableCents: 0n,
      });
      const inFlight = await request({ amount: 600 }, w.team.admin, w.merchantId);
      await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: inFlight.id,
        approver: w.team.approverA,
      });
      const tooMuch = await request({ amount: 401 }, w.team.admin, w.merchantId);
      const error = await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: tooMuch.id,
        approver: w.team.approverA,
      }).catch((e: AppError) => e);
      expect(error).toMatchObject({ code: "conflict" });
      expect((error as AppError).publicMessage).toMatch(
        /^Approving KES 401 needs more than the B2C utility balance: KES 1,000\.50 available at .+, KES 600 of it already committed to payouts in flight or paid since, leaving KES 400\.50\.$/,
      );
      const fits = await request({ amount: 400 }, w.team.admin, w.merchantId);
      expect(
        (await approvePayout(db, { merchantId: w.merchantId, payoutId: fits.id, approver: w.team.approverA }))
          .readyToSubmit,
      ).toBe(true);
    });

    it("of approvers clicking at the same moment, exactly one approves and hands it on", async () => {
      const w = await world();
      const payout = await request({}, w.team.owner, w.merchantId);
      const approvers = [w.team.admin, w.team.approverA, w.team.approverB];
      const results = await Promise.allSettled(
        approvers.map((approver) =>
          approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver }),
        ),
      );
      const ready = results.filter((r) => r.status === "fulfilled" && r.value.readyToSubmit);
      expect(ready).toHaveLength(1);
      expect(
        results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code),
      ).toEqual(["conflict", "conflict"]);
      expect(await db.payoutApproval.count({ where: { payoutId: payout.id } })).toBe(1);
    });

    it("two payouts approved at the same moment cannot both squeeze under the daily ceiling", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dailyCeiling: 1_000 });
      const a = await request({ amount: 600 }, w.team.owner, w.merchantId);
      const b = await request({ amount: 600 }, w.team.owner, w.merchantId);
      const results = await Promise.allSettled([
        approvePayout(db, { merchantId: w.merchantId, payoutId: a.id, approver: w.team.approverA }),
        approvePayout(db, { merchantId: w.merchantId, payoutId: b.id, approver: w.team.approverB }),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await db.payout.count({ where: { merchantId: w.merchantId, status: "approved" } })).toBe(1);
    });

    it("refuses unknown and other merchants' payouts as not found", async () => {
      const other = await world();
      const foreign = await request({}, other.team.admin, other.merchantId);
      for (const payoutId of [foreign.id, "not-a-uuid"]) {
        await expect(
          approvePayout(db, { merchantId, payoutId, approver: people.approverA }),
        ).rejects.toMatchObject({
          code: "not_found",
        });
      }
    });
  });

  describe("rejecting and cancelling", () => {
    it("needs a note of 3-500 characters to reject; one rejection ends the payout", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dualApprovalAbove: 100 });
      const payout = await request({ amount: 5_000 }, w.team.admin, w.merchantId);
      for (const note of [undefined, "", "no", "n".repeat(501), "bad\u0000note"]) {
        await expect(
          rejectPayout(db, {
            merchantId: w.merchantId,
            payoutId: payout.id,
            approver: w.team.approverB,
            note,
          }),
        ).rejects.toMatchObject({ code: "validation_failed", details: { field: "note" } });
      }
      await expect(
        rejectPayout(db, {
          merchantId: w.merchantId,
          payoutId: payout.id,
          approver: w.team.admin,
          note: "Mine",
        }),
      ).rejects.toMatchObject({ code: "forbidden" });
      await expect(
        rejectPayout(db, {
          merchantId: w.merchantId,
          payoutId: payout.id,
          approver: w.team.viewer,
          note: "Nope",
        }),
      ).rejects.toMatchObject({ code: "forbidden" });
      await approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver: w.team.approverA });
      const rejected = await rejectPayout(db, {
        merchantId: w.merchantId,
        payoutId: payout.id,
        approver: w.team.approverB,
        note: "  Wrong rider: this one left in May.  ",
      });
      expect(rejected).toMatchObject({ status: "rejected", note: "Wrong rider: this one left in May." });
      const decisions = await db.payoutApproval.findMany({
        where: { payoutId: payout.id },
        orderBy: { createdAt: "asc" },
      });
      expect(decisions.map((d) => d.decision)).toEqual(["approved", "rejected"]);
      expect(decisions[1]).toMatchObject({ note: "Wrong rider: this one left in May.", ip: IP });
      const audit = await db.auditLog.findFirstOrThrow({
        where: { targetId: payout.id, action: "payout.rejected" },
      });
      expect(audit).toMatchObject({ actorId: w.team.approverB.id, ip: IP });
      await expect(
        approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver: w.team.owner }),
      ).rejects.toMatchObject({ code: "conflict" });
    });

    it("lets the requester or an owner cancel before submission, nobody after", async () => {
      const w = await world();
      const pending = await request({}, w.team.admin, w.merchantId);
      await expect(
        cancelPayout(db, { merchantId: w.merchantId, payoutId: pending.id, actor: w.team.approverA }),
      ).rejects.toMatchObject({ code: "forbidden" });
      const cancelled = await cancelPayout(db, {
        merchantId: w.merchantId,
        payoutId: pending.id,
        actor: w.team.admin,
        note: "Duplicate",
      });
      expect(cancelled).toMatchObject({ status: "cancelled", note: "Duplicate" });
      const audit = await db.auditLog.findFirstOrThrow({
        where: { targetId: pending.id, action: "payout.cancelled" },
      });
      expect(audit).toMatchObject({ actorId: w.team.admin.id, ip: IP });
      expect(audit.metadata).toMatchObject({ statusBefore: "pending_approval" });

      const approved = await request({}, w.team.admin, w.merchantId);
      await approvePayout(db, {
        merchantId: w.merchantId,
        payoutId: approved.id,
        approver: w.team.approverA,
      });
      expect(
        (await cancelPayout(db, { merchantId: w.merchantId, payoutId: approved.id, actor: w.team.owner }))
          .status,
      ).toBe("cancelled");

      const claimed = await createPayout(db, {
        merchantId: w.merchantId,
        requestedById: w.team.admin.id,
        originatorConversationId: `claim-${approved.id}`,
      });
      const submitted = await createPayout(db, {
        merchantId: w.merchantId,
        requestedById: w.team.admin.id,
        status: "submitted",
        originatorConversationId: `sent-${approved.id}`,
      });
      for (const p of [claimed, submitted, cancelled]) {
        await expect(
          cancelPayout(db, { merchantId: w.merchantId, payoutId: p.id, actor: w.team.admin }),
        ).rejects.toMatchObject({ code: "conflict" });
      }
    });
  });

  describe("the policy", () => {
    it("has defaults until an owner saves one; only owners may change it, audited with old and new", async () => {
      const w = await world();
      expect(await getPayoutPolicy(db, { merchantId: w.merchantId })).toMatchObject({
        ...DEFAULT_PAYOUT_POLICY,
        updatedAt: null,
      });
      for (const who of [w.team.admin, w.team.approverA]) {
        await expect(
          updatePayoutPolicy(db, { merchantId: w.merchantId, actor: who, changes: { maxPerPayout: 1_000 } }),
        ).rejects.toMatchObject({ code: "forbidden" });
      }
      const saved = await updatePayoutPolicy(db, {
        merchantId: w.merchantId,
        actor: w.team.owner,
        changes: {
          approverRoles: ["owner", "approver"],
          dualApprovalAbove: "20000",
          dailyCeiling: 500_000,
          submitPerSecond: 5,
        },
      });
      expect(saved).toMatchObject({
        approverRoles: ["owner", "approver"],
        dualApprovalAbove: 20_000,
        maxPerPayout: 150_000,
        dailyCeiling: 500_000,
        submitPerSecond: 5,
        updatedById: w.team.owner.id,
      });
      const cleared = await updatePayoutPolicy(db, {
        merchantId: w.merchantId,
        actor: w.team.owner,
        changes: { dualApprovalAbove: null, dailyCeiling: "" },
      });
      expect(cleared).toMatchObject({ dualApprovalAbove: null, dailyCeiling: null, submitPerSecond: 5 });
      const audits = await db.auditLog.findMany({
        where: { merchantId: w.merchantId, action: "payout_policy.updated" },
        orderBy: { seq: "asc" },
      });
      expect(audits).toHaveLength(2);
      expect(audits[1]?.metadata).toEqual({
        from: { dualApprovalAbove: 20_000, dailyCeiling: 500_000 },
        to: { dualApprovalAbove: null, dailyCeiling: null },
      });
      expect(audits[1]).toMatchObject({ actorId: w.team.owner.id, ip: IP });
    });

    it.each([
      [{ approverRoles: ["owner", "developer"] }, "approverRoles"],
      [{ approverRoles: [] }, "approverRoles"],
      [{ maxPerPayout: 0 }, "maxPerPayout"],
      [{ maxPerPayout: 250_001 }, "maxPerPayout"],
      [{ dualApprovalAbove: 10.5 }, "dualApprovalAbove"],
      [{ dailyCeiling: -1 }, "dailyCeiling"],
      [{ submitPerSecond: 0 }, "submitPerSecond"],
      [{ submitPerSecond: 21 }, "submitPerSecond"],
    ])("refuses %j", async (changes, field) => {
      await expect(
        updatePayoutPolicy(db, { merchantId, actor: people.owner, changes: changes as never }),
      ).rejects.toMatchObject({ code: "validation_failed", details: { field } });
    });

    it("applies the policy's maximum per payout to new requests", async () => {
      const w = await world();
      await updatePayoutPolicy(db, {
        merchantId: w.merchantId,
        actor: w.team.owner,
        changes: { maxPerPayout: 2_000 },
      });
      await expect(request({ amount: 2_001 }, w.team.admin, w.merchantId)).rejects.toMatchObject({
        publicMessage: "amount: The largest payout allowed is KES 2,000.",
      });
    });
  });

  describe("batches", () => {
    it("requests a batch all or nothing, listing every bad row", async () => {
      const w = await world();
      const requester = asRequester(w.team.admin);
      const rows = [b2c(), b2c({ amount: 1 }), b2c(), b2c({ phone: "12", remarks: "" }), "not a row"];
      const error = await requestPayoutBatch(db, deps, {
        merchantId: w.merchantId,
        requester,
        name: "June riders",
        payouts: rows,
      }).catch((e: AppError) => e);
      expect(error).toMatchObject({ code: "validation_failed", details: { field: "payouts.1.amount" } });
      expect((error as AppError).details.errors?.map((e) => [e.index, e.field])).toEqual([
        [1, "amount"],
        [3, "phone"],
        [3, "remarks"],
        [4, "payout"],
      ]);
      expect(await db.payout.count({ where: { merchantId: w.merchantId } })).toBe(0);

      const batch = await requestPayoutBatch(db, deps, {
        merchantId: w.merchantId,
        requester,
        name: "June riders",
        payouts: [b2c(), b2c({ amount: 700, phone: "0722000111" })],
      });
      expect(batch).toMatchObject({ count: 2, total: 1_200, requestedById: w.team.admin.id });
      const payouts = await db.payout.findMany({
        where: { batchId: batch.id },
        orderBy: { batchRow: "asc" },
      });
      expect(payouts.map((p) => [p.batchRow, p.amount, p.status])).toEqual([
        [1, 500, "pending_approval"],
        [2, 700, "pending_approval"],
      ]);
      expect(
        await db.auditLog.count({ where: { targetId: batch.id, action: "payout_batch.requested" } }),
      ).toBe(1);
    });

    it("approves a batch for another person, never for its requester, with the threshold per payout", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dualApprovalAbove: 1_000 });
      const batch = await requestPayoutBatch(db, deps, {
        merchantId: w.merchantId,
        requester: asRequester(w.team.admin),
        name: "Suppliers",
        payouts: [b2c(), b2c({ amount: 5_000 }), b2c({ amount: 900 })],
      });
      await expect(
        approvePayoutBatch(db, { merchantId: w.merchantId, batchId: batch.id, approver: w.team.admin }),
      ).rejects.toMatchObject({ code: "forbidden" });
      await expect(
        approvePayoutBatch(db, { merchantId: w.merchantId, batchId: batch.id, approver: w.team.viewer }),
      ).rejects.toMatchObject({ code: "forbidden" });
      const first = await approvePayoutBatch(db, {
        merchantId: w.merchantId,
        batchId: batch.id,
        approver: w.team.approverA,
      });
      expect(first.readyToSubmit).toHaveLength(2);
      expect(first.awaitingSecondApproval).toHaveLength(1);
      await expect(
        approvePayoutBatch(db, { merchantId: w.merchantId, batchId: batch.id, approver: w.team.approverA }),
      ).rejects.toMatchObject({ code: "conflict" });
      const second = await approvePayoutBatch(db, {
        merchantId: w.merchantId,
        batchId: batch.id,
        approver: w.team.approverB,
      });
      expect(second).toEqual({ readyToSubmit: first.awaitingSecondApproval, awaitingSecondApproval: [] });
      expect(await db.payout.count({ where: { batchId: batch.id, status: "approved" } })).toBe(3);
      const audit = await db.auditLog.findFirstOrThrow({
        where: { targetId: batch.id, action: "payout_batch.approved" },
        orderBy: { seq: "asc" },
      });
      expect(audit).toMatchObject({ actorId: w.team.approverA.id, ip: IP });
    });

    it("refuses a batch approval above the daily ceiling as a whole", async () => {
      const w = await world();
      await createPayoutPolicy(db, { merchantId: w.merchantId, dailyCeiling: 1_000 });
      const { batch } = await createPayoutBatch(db, {
        merchantId: w.merchantId,
        requestedById: w.team.admin.id,
        count: 3,
        amount: 400,
      });
      await expect(
        approvePayoutBatch(db, { merchantId: w.merchantId, batchId: batch.id, approver: w.team.approverA }),
      ).rejects.toMatchObject({ code: "conflict", publicMessage: expect.stringContaining("KES 1,200") });
      expect(await db.payout.count({ where: { batchId: batch.id, status: "pending_approval" } })).toBe(3);
      expect(await db.payoutApproval.count({ where: { merchantId: w.merchantId } })).toBe(0);
    });
  });

  it("refuses approval by the person whose API key requested the payout or the batch", async () => {
    const w = await world();
    const { apiKey } = await createApiKey(db, { merchantId: w.merchantId });
    await db.apiKey.update({ where: { id: apiKey.id }, data: { createdById: w.team.admin.id } });
    const viaKey = { type: "api_key" as const, id: apiKey.id, label: "API key" };
    const payout = await requestPayout(db, deps, { merchantId: w.merchantId, requester: viaKey, ...b2c() });
    await expect(
      approvePayout(db, { merchantId: w.merchantId, payoutId: payout.id, approver: w.team.admin }),
    ).rejects.toMatchObject({ code: "forbidden" });
    const batch = await requestPayoutBatch(db, deps, {
      merchantId: w.merchantId,
      requester: viaKey,
      name: "via key",
      payouts: [b2c()],
    });
    await expect(
      approvePayoutBatch(db, { merchantId: w.merchantId, batchId: batch.id, approver: w.team.admin }),
    ).rejects.toMatchObject({ code: "forbidden" });
    // Someone else may.
    const approved = await approvePayout(db, {
      merchantId: w.merchantId,
      payoutId: payout.id,
      approver: w.team.owner,
    });
    expect(approved.readyToSubmit).toBe(true);
  });

  describe("the queue", () => {
    it("sorts payouts into tabs for the person looking, newest first, page by page", async () => {
      const w = await world();
      const { apiKey } = await createApiKey(db, { merchantId: w.merchantId });
      const mine = await request({}, w.team.admin, w.merchantId);
      const theirs = await request({}, w.team.owner, w.merchantId);
      const byKey = await requestPayout(db, deps, {
        merchantId: w.merchantId,
        requester: { type: "api_key", id: apiKey.id, label: "API key" },
        ...b2c(),
      });
      const decided = await request({ amount: 5_000 }, w.team.owner, w.merchantId);
      await db.payout.update({ where: { id: decided.id }, data: { approvalsRequired: 2 } });
      await approvePayout(db, { merchantId: w.merchantId, payoutId: decided.id, approver: w.team.admin });
      const paid = await createPayout(db, { merchantId: w.merchantId, status: "paid" });
      const rejected = await createPayout(db, { merchantId: w.merchantId, status: "rejected" });
      const review = await createPayout(db, { merchantId: w.merchantId, status: "needs_review" });
      const flying = await createPayout(db, { merchantId: w.merchantId, status: "unknown" });

      const tab = async (t: Parameters<typeof payoutTabWhere>[0]) =>
        (await findPayouts(db, { merchantId: w.merchantId, tab: t, viewerId: w.team.admin.id })).data.map(
          (p) => p.id,
        );
      expect(await tab("waiting_for_me")).toEqual([byKey.id, theirs.id]);
      expect(await tab("waiting_for_others")).toEqual([decided.id, mine.id]);
      expect(await tab("in_flight")).toEqual([flying.id]);
      expect(await tab("paid")).toEqual([paid.id]);
      expect(await tab("failed")).toEqual([rejected.id]);
      expect(await tab("review")).toEqual([review.id]);
      expect(
        await db.payout.count({
          where: { merchantId: w.merchantId, ...payoutTabWhere("waiting_for_me", w.team.approverA.id) },
        }),
      ).toBe(4);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await findPayouts(db, { merchantId: w.merchantId, limit: 3, cursor });
        seen.push(...page.data.map((p) => p.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toHaveLength(8);
      expect(new Set(seen).size).toBe(8);

      const detail = await getPayout(db, { merchantId: w.merchantId, payoutId: decided.id });
      expect(detail?.approvals.map((a) => a.userId)).toEqual([w.team.admin.id]);
      expect(await getPayout(db, { merchantId, payoutId: decided.id })).toBeNull();
    });
  });
});
