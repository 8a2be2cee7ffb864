import { randomUUID } from "node:crypto";
import { InngestTestEngine } from "@inngest/test";
import { Inngest } from "inngest";
import { describe, expect, it } from "vitest";
import { makeCloseReconciliationDays } from "@/inngest/functions/close-reconciliation-days";
import type { BackgroundContext } from "@/lib/background/context";
import { computeReconciliationDay } from "@/lib/payments/reconciliation/compute-reconciliation-day";
import { findReconciliationDays } from "@/lib/payments/reconciliation/find-reconciliation-days";
import { getReconciliationDay } from "@/lib/payments/reconciliation/get-reconciliation-day";
import { addKenyanDays, todayInKenya } from "@/lib/payments/reconciliation/reconciliation-figures";
import { refreshReconciliationDays } from "@/lib/payments/reconciliation/refresh-reconciliation-days";
import { signOffReconciliationDay } from "@/lib/payments/reconciliation/sign-off-reconciliation-day";
import { tenantDb } from "@/lib/tenancy/tenant-db";
import { createMember, createMerchant, createPayment, createPayout } from "../factories";
import { testDb } from "./db";

const today = () => todayInKenya(new Date());
const at = (day: string, time: string) => new Date(`${day}T${time}+03:00`);
const receipt = () => `T${randomUUID().replace(/-/g, "").slice(0, 9).toUpperCase()}`;

describe("reconciliation days", () => {
  const db = testDb();

  /** A statement window covering the whole day, as a statement import records it. */
  const cover = (merchantId: string, day: string) =>
    db.reconciliationRun.create({
      data: {
        kind: "statement",
        merchantId,
        windowStart: at(day, "00:00:00"),
        windowEnd: at(addKenyanDays(day, 1), "00:00:00"),
        startedAt: new Date(),
        finishedAt: new Date(),
      },
    });

  /** A day with payments, payouts, a reversal, charges, C2B money and M-Pesa record lines. */
  async function busyDay(merchantId: string, day: string) {
    const paid = await createPayment(db, {
      merchantId,
      amount: 1_000,
      status: "paid",
      receipt: receipt(),
      createdAt: at(day, "09:00:00"),
      settledAt: at(day, "09:00:20"),
    });
    await createPayment(db, {
      merchantId,
      amount: 250,
      status: "paid",
      receipt: receipt(),
      createdAt: at(day, "10:00:00"),
    });
    await createPayment(db, { merchantId, amount: 70, status: "failed", createdAt: at(day, "11:00:00") });
    const pending = await createPayment(db, {
      merchantId,
      amount: 40,
      status: "pending",
      createdAt: at(day, "23:59:00"),
    });
    // Started the day before, paid out on this one: counted by completion.
    const b2c = await createPayout(db, {
      merchantId,
      amount: 500,
      status: "paid",
      receipt: receipt(),
      createdAt: at(addKenyanDays(day, -1), "22:00:00"),
      completedAt: at(day, "08:00:00"),
      resultParameters: { source: "callback", TransactionAmount: 500 },
    });
    await createPayout(db, {
      merchantId,
      kind: "b2b",
      amount: 2_000,
      status: "paid",
      receipt: receipt(),
      createdAt: at(day, "12:00:00"),
      completedAt: at(day, "12:00:30"),
      resultParameters: { source: "callback", DebitPartyCharges: "Business Pay Bill Charge|KES|77.00" },
    });
    await createPayout(db, { merchantId, amount: 300, status: "failed", createdAt: at(day, "13:00:00") });
    await db.reversal.create({
      data: {
        merchantId,
        paymentId: paid.id,
        originalReceipt: paid.receipt ?? "",
        amount: 1_000,
        reason: "Customer returned the goods",
        status: "reversed",
        environment: "simulator",
        requesterLabel: "someone",
        receipt: receipt(),
        resultParameters: { Charge: 0 },
        createdAt: at(day, "14:00:00"),
        completedAt: at(day, "15:00:00"),
      },
    });
    await db.c2bTransaction.create({
      data: {
        merchantId,
        transId: receipt(),
        shortcode: "600000",
        amount: 300,
        amountRaw: "300.00",
        billRefNumber: "INV-1",
        payer: "2547•••••111",
        payerKind: "msisdn",
        matched: false,
        transTime: `${day.replace(/-/g, "")}160000`,
        createdAt: at(day, "16:00:00"),
      },
    });
    const record = (line: {
      direction: "in" | "out";
      entry?: string;
      cents: bigint;
      balance: bigint;
      time: string;
      paymentId?: string;
      payoutId?: string;
    }) =>
      db.mpesaRecord.create({
        data: {
          merchantId,
          environment: "simulator",
          receipt: receipt(),
          entry: line.entry ?? "principal",
          source: "statement",
          confirmedBy: ["statement"],
          direction: line.direction,
          amountCents: line.cents,
          balanceCents: line.balance,
          completedAt: at(day, line.time),
          day: new Date(`${day}T00:00:00Z`),
          paymentId: line.paymentId ?? null,
          payoutId: line.payoutId ?? null,
        },
      });
    await record({ direction: "out", cents: 50_000n, balance: 950_000n, time: "08:00:00", payoutId: b2c.id });
    await record({
      direction: "in",
      cents: 100_000n,
      balance: 1_050_000n,
      time: "09:00:20",
      paymentId: paid.id,
    });
    await record({ direction: "out", entry: "charge", cents: 7_700n, balance: 1_042_300n, time: "12:00:30" });
    return { paid, pending };
  }

  it("adds up a day: collected, paid out, reversed, charges, counts, C2B, balances and what M-Pesa confirms", async () => {
    const merchantId = (await createMerchant(db)).id;
    const day = addKenyanDays(today(), -3);
    await busyDay(merchantId, day);

    const computed = await computeReconciliationDay(db, { merchantId, day });
    expect(computed.state).toBe("not_checked");
    const f = computed.figures;
    expect(f.collected).toEqual({ count: 2, amountKes: 1_250 });
    expect(f.payments).toEqual({
      paid: { count: 2, amountKes: 1_250 },
      failed: { count: 1, amountKes: 70 },
      pending: { count: 1, amountKes: 40 },
    });
    expect(f.paidOut).toEqual({ count: 2, amountKes: 2_500 });
    expect(f.payouts).toEqual({ paid: { count: 1, amountKes: 2_000 }, failed: { count: 1, amountKes: 300 } });
    expect(f.reversed).toEqual({ count: 1, amountKes: 1_000 });
    expect(f.charges).toEqual({ fromResultsCents: 7_700, fromMpesaRecordCents: 7_700 });
    expect(f.c2bReceived).toEqual({ count: 1, amountKes: 300, unmatched: 1 });
    expect(f.balance).toEqual({
      openingCents: 1_000_000,
      closingCents: 1_042_300,
      source: "mpesa_record",
      reason: null,
    });
    expect(f.mpesaRecord).toMatchObject({
      covered: false,
      lines: 3,
      confirmedIn: { count: 1, amountCents: 100_000 },
      malipoIn: { count: 3, amountKes: 1_550 },
      confirmedOut: { count: 1, amountCents: 50_000 },
      malipoOut: { count: 3, amountKes: 3_500 },
    });

    await cover(merchantId, day);
    const [balanced] = await refreshReconciliationDays(db, { merchantId, from: day, to: day });
    expect(balanced).toMatchObject({ state: "balanced", stale: false, openItems: 0 });

    // An item about a payment of that day, opened today, belongs to that day.
    const [failed] = await db.payment.findMany({ where: { merchantId, status: "failed" } });
    await db.reviewItem.create({ data: { merchantId, kind: "not_in_mpesa", paymentId: failed?.id } });
    const detail = await getReconciliationDay(db, { merchantId, day });
    expect(detail).toMatchObject({ state: "open_items", figures: { openItems: 1 } });
    expect(detail?.items).toHaveLength(1);
    expect(detail?.mpesaRecords).toHaveLength(3);
  });

  it("has triggers mark a past day stale (creating its row) when its rows change, but never today", async () => {
    const merchantId = (await createMerchant(db)).id;
    const day = addKenyanDays(today(), -2);
    const payment = await createPayment(db, { merchantId, createdAt: at(day, "10:00:00") });
    await createPayment(db, { merchantId });
    const rows = await db.reconciliationDay.findMany({ where: { merchantId } });
    expect(rows.map((r) => [r.day.toISOString().slice(0, 10), r.stale])).toEqual([[day, true]]);

    await refreshReconciliationDays(db, { merchantId, from: day, to: day });
    expect(await db.reconciliationDay.findFirstOrThrow({ where: { merchantId } })).toMatchObject({
      stale: false,
    });
    await db.payment.update({ where: { id: payment.id }, data: { status: "failed", settledAt: new Date() } });
    expect(await db.reconciliationDay.findFirstOrThrow({ where: { merchantId } })).toMatchObject({
      stale: true,
    });
  });

  it("signs a day off once, audited, and flags it when a late callback or a new review item changes it", async () => {
    const { user, merchantId } = await createMember(db, { role: "approver" });
    const actor = { id: user.id, label: user.email, role: "approver" as const };
    const day = addKenyanDays(today(), -4);
    const { pending } = await busyDay(merchantId, day);
    await cover(merchantId, day);
    const [before] = await findReconciliationDays(db, { merchantId, from: day, to: day });

    await expect(
      signOffReconciliationDay(db, { merchantId, day, actor, fingerprint: "stale-view" }),
    ).rejects.toMatchObject({ code: "conflict" });
    // One approver is enough: nothing moves money.
    const signed = await signOffReconciliationDay(db, {
      merchantId,
      day,
      actor,
      fingerprint: before?.fingerprint,
    });
    expect(signed).toMatchObject({ signedOffById: user.id, signedOffFingerprint: before?.fingerprint });
    await expect(signOffReconciliationDay(db, { merchantId, day, actor })).rejects.toMatchObject({
      code: "conflict",
    });
    const audit = await db.auditLog.findFirstOrThrow({
      where: { merchantId, action: "reconciliation.day_signed_off" },
    });
    expect(audit).toMatchObject({ actorType: "user", actorId: user.id, targetId: day });

    // A late callback settles the pending payment of that day.
    await db.payment.update({
      where: { id: pending.id },
      data: { status: "paid", receipt: receipt(), settledAt: new Date() },
    });
    const [changed] = await findReconciliationDays(db, { merchantId, from: day, to: day });
    expect(changed?.changedAfterSignOffAt).toBeInstanceOf(Date);
    expect(changed?.figures.collected).toEqual({ count: 3, amountKes: 1_290 });
    // Flagged once: more changes do not write more audit rows.
    await db.payment.update({ where: { id: pending.id }, data: { payerPhoneMasked: "2547•••••222" } });
    await findReconciliationDays(db, { merchantId, from: day, to: day });
    const flags = await db.auditLog.findMany({
      where: { merchantId, action: "reconciliation.day_changed_after_sign_off" },
    });
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ actorType: "system", targetId: day });

    // Signed off again, then an item about that day opens today: flagged again.
    await signOffReconciliationDay(db, { merchantId, day, actor });
    await db.reviewItem.create({ data: { merchantId, kind: "not_in_mpesa", paymentId: pending.id } });
    const [reopened] = await findReconciliationDays(db, { merchantId, from: day, to: day });
    expect(reopened).toMatchObject({ state: "open_items" });
    expect(reopened?.changedAfterSignOffAt).toBeInstanceOf(Date);
  });

  it("lets approvers, admins and owners sign off past checked days; open items need a note", async () => {
    const { user, merchantId } = await createMember(db, { role: "approver" });
    const approver = { id: user.id, label: user.email, role: "approver" as const };
    const day = addKenyanDays(today(), -5);
    await createPayment(db, {
      merchantId,
      status: "paid",
      receipt: receipt(),
      createdAt: at(day, "10:00:00"),
    });

    for (const role of ["viewer", "developer"] as const)
      await expect(
        signOffReconciliationDay(db, { merchantId, day, actor: { ...approver, role } }),
      ).rejects.toMatchObject({
        code: "forbidden",
      });
    await expect(
      signOffReconciliationDay(db, { merchantId, day: today(), actor: approver }),
    ).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(signOffReconciliationDay(db, { merchantId, day, actor: approver })).rejects.toMatchObject({
      code: "conflict",
      publicMessage: expect.stringContaining("No M-Pesa record"),
    });
    await cover(merchantId, day);
    await db.reviewItem.create({
      data: { merchantId, kind: "not_in_malipo", createdAt: at(day, "18:00:00") },
    });
    await expect(signOffReconciliationDay(db, { merchantId, day, actor: approver })).rejects.toMatchObject({
      code: "validation_failed",
    });
    const signed = await signOffReconciliationDay(db, {
      merchantId,
      day,
      actor: approver,
      note: "Safaricom confirmed the missing line is theirs; ticket 42.",
    });
    expect(signed.signedOffNote).toContain("ticket 42");
  });

  it("keeps each merchant's days to itself", async () => {
    const a = (await createMerchant(db)).id;
    const b = (await createMerchant(db)).id;
    const day = addKenyanDays(today(), -6);
    await createPayment(db, { merchantId: a, amount: 111, status: "paid", createdAt: at(day, "10:00:00") });
    await createPayment(db, { merchantId: b, amount: 222, status: "paid", createdAt: at(day, "10:00:00") });
    const [dayA] = await findReconciliationDays(tenantDb(db, a), { merchantId: a, from: day, to: day });
    const [dayB] = await findReconciliationDays(tenantDb(db, b), { merchantId: b, from: day, to: day });
    expect(dayA?.figures.collected).toEqual({ count: 1, amountKes: 111 });
    expect(dayB?.figures.collected).toEqual({ count: 1, amountKes: 222 });
    const seenByB = await tenantDb(db, b).reconciliationDay.findMany({});
    expect(seenByB.every((row) => row.merchantId === b)).toBe(true);
  });

  it("closes yesterday for every merchant and recomputes stale days (close-reconciliation-days, @inngest/test)", async () => {
    const merchantId = (await createMerchant(db)).id;
    const staleDay = addKenyanDays(today(), -3);
    const yesterday = addKenyanDays(today(), -1);
    await createPayment(db, { merchantId, amount: 64, status: "paid", createdAt: at(staleDay, "10:00:00") });
    await createPayment(db, { merchantId, amount: 36, status: "paid", createdAt: at(yesterday, "23:59:00") });
    const context = { db, deps: {}, spoolDir: "" } as unknown as BackgroundContext;
    const inngest = new Inngest({ id: "malipo-test", isDev: true });
    const run = new InngestTestEngine({ function: makeCloseReconciliationDays(inngest, () => context) });
    const { result } = await run.execute({ events: [{ name: "inngest/scheduled.timer", data: {} }] });
    expect(result).toMatchObject({ days: expect.any(Number) });
    const rows = await db.reconciliationDay.findMany({ where: { merchantId }, orderBy: { day: "asc" } });
    expect(rows.map((r) => [r.day.toISOString().slice(0, 10), r.stale, r.openItems])).toEqual([
      [staleDay, false, 0],
      [yesterday, false, 0],
    ]);
    expect(rows[1]?.figures).toMatchObject({ collected: { count: 1, amountKes: 36 } });
  });
});
