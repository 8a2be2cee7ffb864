// Reversals (refunds of received money) against the simulator and the real database: four-eyes
// approval, submission at most once, the Result applied once, M-Pesa's refusals in plain words,
// a lost Result resolved by Transaction Status, and one merchant never touching another's.
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeFollowUpReversal } from "@/inngest/functions/follow-up-reversal";
import { makeSubmitReversal } from "@/inngest/functions/submit-reversal";
import type { BackgroundContext } from "@/lib/background/context";
import { initiateStkPayment } from "@/lib/payments/collections/initiate-stk-payment";
import type { PaymentsDeps } from "@/lib/payments/deps";
import {
  FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS,
  PAYOUT_RESULT_WINDOW_MS,
} from "@/lib/payments/payouts/follow-up-payout";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { approveReversal } from "@/lib/payments/reversals/approve-reversal";
import { cancelReversal } from "@/lib/payments/reversals/cancel-reversal";
import { findPaymentReversals } from "@/lib/payments/reversals/find-payment-reversals";
import { findReversals } from "@/lib/payments/reversals/find-reversals";
import { findStrandedReversals } from "@/lib/payments/reversals/find-stranded-reversals";
import { followUpReversal } from "@/lib/payments/reversals/follow-up-reversal";
import { getReversal } from "@/lib/payments/reversals/get-reversal";
import { rejectReversal } from "@/lib/payments/reversals/reject-reversal";
import { requestReversal } from "@/lib/payments/reversals/request-reversal";
import { submitReversal } from "@/lib/payments/reversals/submit-reversal";
import type { Role } from "@/prisma/generated/prisma/enums";
import { createApiKey, createMember, createMerchant, createPayment } from "../factories";
import { callRoute } from "../support/api-call";
import { startCollectionsWorld, waitUntil } from "../support/collections";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

stubAppEnv(testDatabaseUrl());

const PAYER = "254700000000";

describe("reversals, against the simulator", () => {
  const db = testDb();
  let world: Awaited<ReturnType<typeof startCollectionsWorld>>;
  const staff = {} as Record<"requester" | "approver" | "second" | "developer", Actor>;
  type Actor = { id: string; label: string; role: Role; ip: string };

  const member = async (role: Role, merchantId: string): Promise<Actor> => {
    const { user } = await createMember(db, { role, merchantId });
    return { id: user.id, label: user.name ?? user.email, role, ip: "196.201.214.10" };
  };
  const asRequester = (a: Actor) => ({ type: "user" as const, ...a });

  beforeAll(async () => {
    world = await startCollectionsWorld(db);
    staff.requester = await member("admin", world.merchant.id);
    staff.approver = await member("approver", world.merchant.id);
    staff.second = await member("owner", world.merchant.id);
    staff.developer = await member("developer", world.merchant.id);
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
  });

  /** A payment the simulator's payer really paid (its receipt is in the simulator's ledger). */
  const paidPayment = async (amount: number) => {
    const started = await initiateStkPayment(db, world.deps, {
      merchantId: world.merchant.id,
      amount,
      phone: PAYER,
      reference: "ORDER-1",
    });
    return waitUntil(
      () => db.payment.findUniqueOrThrow({ where: { id: started.id } }),
      (p) => p.status === "paid",
    );
  };
  const request = (paymentId: string, extra: { amount?: number; reason?: string } = {}) =>
    requestReversal(db, {
      merchantId: world.merchant.id,
      paymentId,
      reason: extra.reason ?? "Customer returned the goods",
      amount: extra.amount,
      actor: asRequester(staff.requester),
    });
  const approve = (reversalId: string, actor = staff.approver, merchantId = world.merchant.id) =>
    approveReversal(db, { merchantId, reversalId, actor });
  const reload = (id: string) => db.reversal.findUniqueOrThrow({ where: { id } });
  const settled = (id: string, statuses = ["reversed", "failed", "needs_review"]) =>
    waitUntil(
      () => reload(id),
      (r) => statuses.includes(r.status),
    );
  const payerCents = () => world.sim.state.phones.get(PAYER)?.balanceCents ?? 0;
  /** Requested by the admin, approved by the approver, sent: the usual path. */
  const reverse = async (paymentId: string, amount?: number) => {
    const r = await request(paymentId, { amount });
    const { readyToSubmit } = await approve(r.id);
    expect(readyToSubmit).toBe(true);
    const sent = await submitReversal(db, world.deps, { reversalId: r.id, merchantId: world.merchant.id });
    expect(sent.outcome).toBe("submitted");
    return r;
  };
  const refused = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error("expected a refusal");
      },
      (error: { code?: string; publicMessage?: string }) => ({
        code: error.code,
        message: error.publicMessage,
      }),
    );

  it("is approved, sent once and applied once: the payment is reversed and a repeated Result changes nothing", async () => {
    const payment = await paidPayment(300);
    const before = payerCents();
    // Every Result is delivered five times at once.
    await world.control("POST", "/sim/faults", { duplicates: 4, concurrent: true, times: 1 });
    const r = await reverse(payment.id);
    expect(r).toMatchObject({
      status: "pending_approval",
      amount: 300,
      originalReceipt: payment.receipt,
      requestedById: staff.requester.id,
      approvalsRequired: 1,
    });
    const done = await settled(r.id);
    expect(done).toMatchObject({ status: "reversed", resultCode: "0" });
    expect(done.receipt).toMatch(/^[A-Z0-9]{10}$/);
    expect(done.resultDesc).toMatch(/^Reversed/);
    const reversedPayment = await db.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(reversedPayment.status).toBe("reversed");
    expect(reversedPayment.reversedAt).toBeInstanceOf(Date);
    // All five deliveries were stored and processed; only one changed anything.
    const entries = await waitUntil(
      () => db.callbackInbox.findMany({ where: { merchantId: world.merchant.id, kind: "reversal_result" } }),
      (e) => e.length === 5 && e.every((x) => x.state === "processed"),
    );
    expect(entries).toHaveLength(5);
    const after = await reload(r.id);
    expect(after.settledAt).toEqual(done.settledAt);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).reversedAt).toEqual(
      reversedPayment.reversedAt,
    );
    // The money went back to the payer once.
    expect(payerCents() - before).toBe(300 * 100);
    expect(
      await db.darajaCall.count({
        where: { merchantId: world.merchant.id, path: "/mpesa/reversal/v1/request" },
      }),
    ).toBe(1);
    // Sending it again sends nothing.
    expect(await submitReversal(db, world.deps, { reversalId: r.id })).toEqual({
      outcome: "skipped",
      status: "reversed",
    });
    const actions = await db.auditLog.findMany({
      where: { merchantId: world.merchant.id, targetId: r.id },
      orderBy: { createdAt: "asc" },
    });
    expect(actions.map((a) => a.action)).toEqual(["reversal.requested", "reversal.approved"]);
    expect(actions[1]?.ip).toBe("196.201.214.10");
    // A reversed payment cannot be reversed again.
    expect(await refused(request(payment.id))).toMatchObject({
      code: "conflict",
      message: "This payment was already reversed.",
    });
  });

  it("takes only paid payments with a receipt, one reversal at a time, at most the amount paid", async () => {
    const pending = await createPayment(db, { merchantId: world.merchant.id, amount: 100 });
    expect(await refused(request(pending.id))).toMatchObject({ code: "conflict" });
    const noReceipt = await createPayment(db, {
      merchantId: world.merchant.id,
      status: "paid",
      paidAmount: 100,
    });
    expect((await refused(request(noReceipt.id))).message).toMatch(/no M-Pesa receipt/);
    const payment = await paidPayment(150);
    expect(await refused(request(payment.id, { amount: 151 }))).toMatchObject({
      code: "validation_failed",
      message: "A reversal can send back at most the KES 150 paid.",
    });
    expect((await refused(request(payment.id, { reason: "x" }))).code).toBe("validation_failed");
    const developer = requestReversal(db, {
      merchantId: world.merchant.id,
      paymentId: payment.id,
      reason: "Refund",
      actor: asRequester(staff.developer),
    });
    expect((await refused(developer)).code).toBe("forbidden");
    const first = await request(payment.id);
    expect((await refused(request(payment.id))).message).toMatch(/already has a reversal/);
    // Once cancelled, another may be requested.
    await cancelReversal(db, { merchantId: world.merchant.id, reversalId: first.id, actor: staff.requester });
    const second = await request(payment.id, { amount: 50 });
    expect(second).toMatchObject({ status: "pending_approval", amount: 50 });
    await rejectReversal(db, {
      merchantId: world.merchant.id,
      reversalId: second.id,
      actor: staff.approver,
      note: "Not our policy",
    });
    expect(await reload(second.id)).toMatchObject({ status: "rejected", note: "Not our policy" });
  });

  it("keeps four eyes: the requester never approves, nor the creator of the API key that asked", async () => {
    const payment = await paidPayment(120);
    const r = await request(payment.id);
    expect(await refused(approve(r.id, staff.requester))).toMatchObject({
      code: "forbidden",
      message: "You requested this reversal: someone else must approve it.",
    });
    expect((await refused(approve(r.id, staff.developer))).code).toBe("forbidden");
    await cancelReversal(db, { merchantId: world.merchant.id, reversalId: r.id, actor: staff.requester });

    const { apiKey } = await createApiKey(db, { merchantId: world.merchant.id });
    await db.apiKey.update({ where: { id: apiKey.id }, data: { createdById: staff.second.id } });
    const viaKey = await requestReversal(db, {
      merchantId: world.merchant.id,
      paymentId: payment.id,
      reason: "Refund asked through the API",
      actor: { type: "api_key", id: apiKey.id, label: `API key ${apiKey.prefix}` },
    });
    expect(viaKey).toMatchObject({ requestedById: null, requestedByApiKeyId: apiKey.id });
    expect(await refused(approve(viaKey.id, staff.second))).toMatchObject({ code: "forbidden" });
    const { readyToSubmit } = await approve(viaKey.id, staff.approver);
    expect(readyToSubmit).toBe(true);
    expect(await refused(approve(viaKey.id, staff.requester))).toMatchObject({ code: "conflict" });
  });

  it("needs two approvers above the policy's threshold, never the same person twice", async () => {
    await db.payoutPolicy.upsert({
      where: { merchantId: world.merchant.id },
      create: { merchantId: world.merchant.id, dualApprovalAbove: 200 },
      update: { dualApprovalAbove: 200 },
    });
    try {
      const payment = await paidPayment(250);
      const r = await request(payment.id);
      expect(r.approvalsRequired).toBe(2);
      expect((await approve(r.id)).readyToSubmit).toBe(false);
      expect((await refused(approve(r.id))).message).toMatch(/different person/);
      const second = await approve(r.id, staff.second);
      expect(second).toMatchObject({ readyToSubmit: true, reversal: { status: "approved" } });
      await cancelReversal(db, { merchantId: world.merchant.id, reversalId: r.id, actor: staff.second });
    } finally {
      await db.payoutPolicy.delete({ where: { merchantId: world.merchant.id } });
    }
  });

  it("fails in plain words when M-Pesa already reversed the payment (R000001), and the payment stays paid", async () => {
    const payment = await paidPayment(110);
    // Reversed outside Malipo, e.g. on the M-Pesa organisation portal.
    const original = world.sim.state.transactions.get(payment.receipt as string);
    if (!original) throw new Error("the simulator has no such payment");
    original.status = "Reversed";
    const r = await reverse(payment.id);
    const done = await settled(r.id);
    expect(done).toMatchObject({ status: "failed", resultCode: "R000001", receipt: null });
    expect(done.resultDesc).toMatch(/already reversed/);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("paid");
  });

  it("fails in plain words for a receipt M-Pesa does not know (R000002)", async () => {
    const payment = await createPayment(db, {
      merchantId: world.merchant.id,
      status: "paid",
      amount: 90,
      paidAmount: 90,
      receipt: "QZX0000001",
    });
    const r = await reverse(payment.id);
    const done = await settled(r.id);
    expect(done).toMatchObject({ status: "failed", resultCode: "R000002" });
    expect(done.resultDesc).toMatch(/does not know this receipt/);
  });

  it("names the missing initiator role (21) in plain words", async () => {
    const payment = await paidPayment(80);
    await world.control("POST", "/sim/outcomes", { api: "reversal", resultCode: "21", times: 1 });
    const r = await reverse(payment.id);
    const done = await settled(r.id);
    expect(done).toMatchObject({ status: "failed", resultCode: "21" });
    expect(done.resultDesc).toMatch(/Org Reversals Initiator/);
  });

  // Written for the simulator's corrected behaviour (it honours Amount); until then M-Pesa's
  // answer names the whole payment and the reversal is held for review instead.
  it("reverses part of a payment: only that amount goes back", async () => {
    const payment = await paidPayment(500);
    const before = payerCents();
    const r = await reverse(payment.id, 200);
    const done = await settled(r.id);
    expect(done).toMatchObject({ status: "reversed", amount: 200 });
    expect(payerCents() - before).toBe(200 * 100);
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("reversed");
  });

  it("resolves a lost Result with Transaction Status, never sending the reversal again", async () => {
    const payment = await paidPayment(140);
    const before = payerCents();
    await world.control("POST", "/sim/faults", { drop: true, times: 1 });
    const r = await reverse(payment.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await reload(r.id)).status).toBe("submitted");
    expect(await followUpReversal(db, world.deps, { reversalId: r.id })).toBe("waiting");
    const later: PaymentsDeps = {
      ...world.deps,
      now: () => new Date(Date.now() + PAYOUT_RESULT_WINDOW_MS + 1_000),
    };
    expect(await followUpReversal(db, later, { reversalId: r.id })).toBe("queried");
    const done = await settled(r.id);
    expect(done).toMatchObject({ status: "reversed", statusQueryCount: 1 });
    expect(done.resultParameters).toMatchObject({ source: "status" });
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("reversed");
    expect(payerCents() - before).toBe(140 * 100);
    expect(
      await db.darajaCall.count({
        where: { merchantId: world.merchant.id, path: "/mpesa/reversal/v1/request" },
      }),
    ).toBeGreaterThan(0);
    expect(await submitReversal(db, world.deps, { reversalId: r.id })).toMatchObject({ outcome: "skipped" });
  });

  it("a queue timeout makes the reversal unknown; reconciliation then settles it by Transaction Status", async () => {
    const payment = await paidPayment(130);
    await world.control("POST", "/sim/faults", { queueTimeout: true, times: 1 });
    const r = await reverse(payment.id);
    const unknown = await settled(r.id, ["unknown"]);
    expect(unknown.resultDesc).toMatch(/queue timed out/);
    const counts = await reconcilePayments(db, world.deps, { spoolDir: world.spoolDir });
    expect(counts.reversalsQueried).toBeGreaterThanOrEqual(1);
    expect(await settled(r.id)).toMatchObject({ status: "reversed" });
  });

  it("hands a reversal M-Pesa never confirms to a person, with a reversal_unresolved review item", async () => {
    const payment = await createPayment(db, {
      merchantId: world.merchant.id,
      status: "paid",
      amount: 60,
      paidAmount: 60,
      receipt: "QZX0000002",
    });
    const r = await request(payment.id);
    await approve(r.id);
    await db.reversal.update({
      where: { id: r.id },
      data: {
        status: "unknown",
        originatorConversationId: crypto.randomUUID(),
        submittedAt: new Date(),
        statusQueryCount: 5,
        lastQueriedAt: new Date(Date.now() - 120_000),
      },
    });
    expect(await followUpReversal(db, world.deps, { reversalId: r.id })).toBe("gave_up");
    expect(await reload(r.id)).toMatchObject({ status: "needs_review", resultCode: "malipo.no_answer" });
    const item = await db.reviewItem.findFirstOrThrow({ where: { reversalId: r.id } });
    expect(item).toMatchObject({
      kind: "reversal_unresolved",
      merchantId: world.merchant.id,
      status: "open",
    });
    expect(await followUpReversal(db, world.deps, { reversalId: r.id })).toBe("settled");
    expect(await db.reviewItem.count({ where: { reversalId: r.id } })).toBe(1);
  });

  it("a stranded approved reversal is found by the sweep and sent once", async () => {
    const payment = await paidPayment(70);
    const r = await request(payment.id);
    await approve(r.id);
    await db.reversal.update({
      where: { id: r.id },
      data: { approvedAt: new Date(Date.now() - 10 * 60_000) },
    });
    const stranded = await findStrandedReversals(db);
    expect(stranded).toContainEqual({ reversalId: r.id, merchantId: world.merchant.id });
    // Handed on twice at once (the sweep racing a late hand-off): one send only.
    const sends = await Promise.all([
      submitReversal(db, world.deps, { reversalId: r.id, merchantId: world.merchant.id }),
      submitReversal(db, world.deps, { reversalId: r.id, merchantId: world.merchant.id }),
    ]);
    expect(sends.map((s) => s.outcome).sort()).toEqual(["skipped", "submitted"]);
    expect(await settled(r.id)).toMatchObject({ status: "reversed" });
    expect(await findStrandedReversals(db)).not.toContainEqual({
      reversalId: r.id,
      merchantId: world.merchant.id,
    });
  });

  describe("Inngest functions", () => {
    const inngest = new Inngest({ id: "malipo-test" });
    const context = (): BackgroundContext => ({ db, deps: world.deps, spoolDir: world.spoolDir });

    it("submit-reversal sends through the core once and starts the follow-up", async () => {
      const payment = await paidPayment(60);
      const r = await request(payment.id);
      await approve(r.id);
      const event = {
        name: "malipo/reversal.approved",
        data: { reversalId: r.id, merchantId: world.merchant.id },
      };
      const steps = () => [{ id: "follow-up", handler: () => ({ ids: [] }) }];
      const run = () => new InngestTestEngine({ function: makeSubmitReversal(inngest, context) });
      const { result, ctx } = await run().execute({ events: [event], steps: steps() });
      expect(result).toEqual({ outcome: "submitted", status: "submitted" });
      expect(ctx.step.sendEvent).toHaveBeenCalledWith("follow-up", {
        name: "malipo/reversal.submitted",
        data: event.data,
      });
      expect((await run().execute({ events: [event], steps: steps() })).result).toMatchObject({
        outcome: "skipped",
      });
      expect(await settled(r.id)).toMatchObject({ status: "reversed" });
    });

    it("follow-up-reversal resolves a lost Result by Transaction Status", async () => {
      const payment = await paidPayment(65);
      await world.control("POST", "/sim/faults", { drop: true, times: 1 });
      const r = await reverse(payment.id);
      const shifted = (): BackgroundContext => ({
        ...context(),
        deps: { ...world.deps, now: () => new Date(Date.now() + PAYOUT_RESULT_WINDOW_MS + 1_000) },
      });
      const { result } = await new InngestTestEngine({
        function: makeFollowUpReversal(inngest, shifted),
      }).execute({
        events: [
          { name: "malipo/reversal.submitted", data: { reversalId: r.id, merchantId: world.merchant.id } },
        ],
        steps: FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS.map((_, i) => ({
          id: `wait-${i + 1}`,
          handler: () => new Promise((resolve) => setTimeout(() => resolve(null), 300)),
        })),
      });
      expect(result).toBe("settled");
      expect(await reload(r.id)).toMatchObject({ status: "reversed" });
    });
  });

  describe("REST API", () => {
    const call = callRoute;
    const routes = async () => ({
      reversal: await import("@/app/api/v1/payments/[id]/reversal/route"),
      list: await import("@/app/api/v1/reversals/route"),
      one: await import("@/app/api/v1/reversals/[id]/route"),
    });

    it("requests a reversal (201) with an Idempotency-Key, reads it back and lists it; approval stays in the dashboard", async () => {
      const { key } = await createApiKey(db, { merchantId: world.merchant.id });
      const payment = await paidPayment(210);
      const { reversal, list, one } = await routes();
      const post = (body: unknown, idempotencyKey = "refund-1") =>
        call(reversal.POST, {
          key,
          path: `/api/v1/payments/${payment.id}/reversal`,
          method: "POST",
          body,
          headers: { "Idempotency-Key": idempotencyKey },
          params: { id: payment.id },
        });
      const created = await post({ reason: "Wrong size", amount: 110 });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        object: "reversal",
        status: "pending_approval",
        paymentId: payment.id,
        amount: 110,
        currency: "KES",
        reason: "Wrong size",
        originalReceipt: payment.receipt,
      });
      expect(created.body.message).toMatch(/dashboard/);
      expect((await post({ reason: "Wrong size", amount: 110 })).body.id).toBe(created.body.id);
      expect((await post({ reason: "Wrong size", amount: 100 })).status).toBe(409);
      const missing = await post({ amount: 10 }, "refund-2");
      expect(missing).toMatchObject({ status: 422, body: { error: { field: "reason" } } });
      const got = await call(one.GET, {
        key,
        path: `/api/v1/reversals/${created.body.id}`,
        params: { id: created.body.id },
      });
      expect(got.body).toMatchObject({ id: created.body.id, status: "pending_approval" });
      const listed = await call(list.GET, {
        key,
        path: "/api/v1/reversals?status=pending_approval&limit=100",
      });
      expect(listed.body.data.map((x: { id: string }) => x.id)).toContain(created.body.id);
    });
  });

  it("keeps every id-taking entry to its own merchant", async () => {
    const other = await createMerchant(db);
    const outsider = await member("owner", other.id);
    const { key: otherKey } = await createApiKey(db, { merchantId: other.id });
    const payment = await paidPayment(95);
    const r = await request(payment.id);
    const asOther = { merchantId: other.id, reversalId: r.id };
    const notFound = { code: "not_found" };
    expect(
      await refused(
        requestReversal(db, {
          merchantId: other.id,
          paymentId: payment.id,
          reason: "Not mine",
          actor: asRequester(outsider),
        }),
      ),
    ).toMatchObject(notFound);
    expect(await refused(approveReversal(db, { ...asOther, actor: outsider }))).toMatchObject(notFound);
    expect(
      await refused(rejectReversal(db, { ...asOther, actor: outsider, note: "Not mine" })),
    ).toMatchObject(notFound);
    expect(await refused(cancelReversal(db, { ...asOther, actor: outsider }))).toMatchObject(notFound);
    expect(await getReversal(db, asOther)).toBeNull();
    expect(await findPaymentReversals(db, { merchantId: other.id, paymentId: payment.id })).toEqual([]);
    expect((await findReversals(db, { merchantId: other.id })).data).toEqual([]);
    await approve(r.id);
    expect(await submitReversal(db, world.deps, { reversalId: r.id, merchantId: other.id })).toEqual({
      outcome: "skipped",
      status: "not_found",
    });
    const { reversal, one } = await (async () => ({
      reversal: await import("@/app/api/v1/payments/[id]/reversal/route"),
      one: await import("@/app/api/v1/reversals/[id]/route"),
    }))();
    const headers = { Authorization: `Bearer ${otherKey}`, "Content-Type": "application/json" };
    const posted = await reversal.POST(
      new Request(`http://localhost/api/v1/payments/${payment.id}/reversal`, {
        method: "POST",
        headers,
        body: JSON.stringify({ reason: "Not mine" }),
      }),
      { params: Promise.resolve({ id: payment.id }) },
    );
    expect(posted.status).toBe(404);
    const read = await one.GET(new Request(`http://localhost/api/v1/reversals/${r.id}`, { headers }), {
      params: Promise.resolve({ id: r.id }),
    });
    expect(read.status).toBe(404);
    // Still untouched, and still the payment's only reversal.
    expect(await reload(r.id)).toMatchObject({ status: "approved", merchantId: world.merchant.id });
    await cancelReversal(db, { merchantId: world.merchant.id, reversalId: r.id, actor: staff.requester });
  });
});
