// Review of issue 12's core (reversals, Pull Transactions matching, reconciliation days): each test
// failed before its fix, against the real database.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import type { DarajaResult } from "@/lib/payments/daraja/inbound";
import { findMissingAtMpesa } from "@/lib/payments/reconciliation/compare-window";
import { computeReconciliationDay } from "@/lib/payments/reconciliation/compute-reconciliation-day";
import { matchMpesaRecords } from "@/lib/payments/reconciliation/match-mpesa-records";
import { addKenyanDays, todayInKenya } from "@/lib/payments/reconciliation/reconciliation-figures";
import { recordMpesaRecords } from "@/lib/payments/reconciliation/record-mpesa-records";
import { refreshReconciliationDays } from "@/lib/payments/reconciliation/refresh-reconciliation-days";
import { settleReversalResult } from "@/lib/payments/reversals/settle-reversal-result";
import { settleReversalStatus } from "@/lib/payments/reversals/settle-reversal-status";
import { createMerchant, createPayment } from "../factories";
import { testDb } from "./db";

const at = (day: string, time: string) => new Date(`${day}T${time}+03:00`);
const receipt = () => `T${randomUUID().replace(/-/g, "").slice(0, 9).toUpperCase()}`;
const compact = (day: string, time: string) => `${day.replace(/-/g, "")}${time.replace(/:/g, "")}`;

function result(fields: Partial<DarajaResult>): DarajaResult {
  return {
    resultType: "0",
    resultCode: "0",
    resultDesc: "The service request is processed successfully.",
    originatorConversationId: null,
    conversationId: null,
    transactionId: null,
    parameters: {},
    reference: {},
    ...fields,
  };
}

describe("issue 12 review", () => {
  const db = testDb();

  /** A paid payment and a reversal of it sent to M-Pesa (Daraja answered: its ids are stored). */
  async function submittedReversal(merchantId: string, options: { day: string; amount: number }) {
    const payment = await createPayment(db, {
      merchantId,
      amount: options.amount,
      paidAmount: options.amount,
      status: "paid",
      receipt: receipt(),
      createdAt: at(options.day, "09:00:00"),
      settledAt: at(options.day, "09:00:20"),
    });
    const reversal = await db.reversal.create({
      data: {
        merchantId,
        paymentId: payment.id,
        originalReceipt: payment.receipt ?? "",
        amount: options.amount,
        reason: "Customer returned the goods",
        status: "submitted",
        environment: "simulator",
        requesterLabel: "someone",
        originatorConversationId: `OC-${randomUUID()}`,
        conversationId: `AG_${randomUUID()}`,
        createdAt: at(options.day, "10:00:00"),
        submittedAt: at(options.day, "10:00:00"),
      },
    });
    return { payment, reversal };
  }

  it("a reversed payment still counts as collected on its day: the reversal counts once, on its own day", async () => {
    const merchant = await createMerchant(db);
    const day = addKenyanDays(todayInKenya(new Date()), -6);
    const next = addKenyanDays(day, 1);
    const { payment, reversal } = await submittedReversal(merchant.id, { day, amount: 1_000 });
    const settled = await settleReversalResult(db, {
      merchantId: merchant.id,
      result: result({
        originatorConversationId: reversal.originatorConversationId,
        conversationId: reversal.conversationId,
        transactionId: "RVS1000001",
        parameters: {
          Amount: 1_000,
          OriginalTransactionID: payment.receipt,
          TransCompletedTime: compact(next, "08:00:00"),
        },
      }),
      now: at(next, "08:00:05"),
    });
    expect(settled).toMatchObject({ outcome: "applied", status: "reversed" });
    expect((await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("reversed");

    const first = await computeReconciliationDay(db, { merchantId: merchant.id, day });
    const second = await computeReconciliationDay(db, { merchantId: merchant.id, day: next });
    // The money came in on the first day and went back on the second: net zero over both.
    expect(first.figures.collected).toEqual({ count: 1, amountKes: 1_000 });
    expect(first.figures.mpesaRecord.malipoIn).toEqual({ count: 1, amountKes: 1_000 });
    expect(second.figures.reversed).toEqual({ count: 1, amountKes: 1_000 });
    expect(
      first.figures.collected.amountKes +
        second.figures.collected.amountKes -
        second.figures.reversed.amountKes,
    ).toBe(0);
  });

  it("a reversed payment M-Pesa's record does not show is still money missing at M-Pesa (not_in_mpesa)", async () => {
    const merchant = await createMerchant(db);
    const day = addKenyanDays(todayInKenya(new Date()), -3);
    const payment = await createPayment(db, {
      merchantId: merchant.id,
      amount: 400,
      paidAmount: 400,
      status: "reversed",
      receipt: receipt(),
      createdAt: at(day, "09:00:00"),
      settledAt: at(day, "09:00:20"),
      reversedAt: at(day, "12:00:00"),
    });
    const counts = await findMissingAtMpesa(
      { db },
      {
        merchantId: merchant.id,
        from: at(day, "00:00:00"),
        to: at(addKenyanDays(day, 1), "00:00:00"),
        directions: ["in"],
      },
    );
    expect(counts.payments).toBe(1);
    const items = await db.reviewItem.findMany({ where: { merchantId: merchant.id, kind: "not_in_mpesa" } });
    expect(items.map((i) => i.paymentId)).toEqual([payment.id]);
  });

  it("opens one not_in_mpesa item per paybill payment when two checks run at once", async () => {
    const merchant = await createMerchant(db);
    const day = addKenyanDays(todayInKenya(new Date()), -2);
    await db.c2bTransaction.create({
      data: {
        merchantId: merchant.id,
        transId: receipt(),
        shortcode: "600000",
        amount: 300,
        amountRaw: "300.00",
        billRefNumber: "INV-1",
        payer: "2547•••••111",
        payerKind: "msisdn",
        matched: false,
        transTime: compact(day, "16:00:00"),
        createdAt: at(day, "16:00:00"),
      },
    });
    const window = {
      merchantId: merchant.id,
      from: at(day, "00:00:00"),
      to: at(addKenyanDays(day, 1), "00:00:00"),
      directions: ["in" as const],
    };
    // One check (a statement import) has found it missing and not committed yet when a pull checks.
    let other: Promise<unknown> | undefined;
    await db.$transaction(async (tx) => {
      expect((await findMissingAtMpesa({ db: tx }, window)).c2bTransactions).toBe(1);
      other = findMissingAtMpesa({ db }, window);
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    await other;
    expect(await db.reviewItem.count({ where: { merchantId: merchant.id, kind: "not_in_mpesa" } })).toBe(1);
  });

  it("a paybill payment confirmed after Kenyan midnight still counts on its day once that day was computed", async () => {
    const merchant = await createMerchant(db);
    const yesterday = addKenyanDays(todayInKenya(new Date()), -1);
    const [before] = await refreshReconciliationDays(db, {
      merchantId: merchant.id,
      from: yesterday,
      to: yesterday,
    });
    expect(before?.figures).toMatchObject({ c2bReceived: { count: 0 } });
    // Paid at 23:59:58, its confirmation processed today (a retried callback): created today.
    await db.c2bTransaction.create({
      data: {
        merchantId: merchant.id,
        transId: receipt(),
        shortcode: "600000",
        amount: 750,
        amountRaw: "750.00",
        billRefNumber: "INV-2",
        payer: "2547•••••222",
        payerKind: "msisdn",
        matched: false,
        transTime: compact(yesterday, "23:59:58"),
      },
    });
    const [after] = await refreshReconciliationDays(db, {
      merchantId: merchant.id,
      from: yesterday,
      to: yesterday,
    });
    expect(after?.figures).toMatchObject({ c2bReceived: { count: 1, amountKes: 750 } });
  });

  it("a Result arriving after Transaction Status settled the reversal still records its receipt", async () => {
    const merchant = await createMerchant(db);
    const day = addKenyanDays(todayInKenya(new Date()), -1);
    const { payment, reversal } = await submittedReversal(merchant.id, { day, amount: 250 });
    // The status query about the payment answers first: Reversed, without the reversal's receipt.
    const byStatus = await settleReversalStatus(db, {
      merchantId: merchant.id,
      result: result({
        transactionId: "OAR0000000",
        parameters: { ReceiptNo: payment.receipt, TransactionStatus: "Reversed", Amount: 250 },
        reference: { Occasion: reversal.id },
      }),
    });
    expect(byStatus).toMatchObject({ outcome: "applied", status: "reversed" });
    expect((await db.reversal.findUniqueOrThrow({ where: { id: reversal.id } })).receipt).toBeNull();

    const late = result({
      originatorConversationId: reversal.originatorConversationId,
      conversationId: reversal.conversationId,
      transactionId: "RVS2500001",
      parameters: {
        Amount: 250,
        OriginalTransactionID: payment.receipt,
        TransCompletedTime: compact(day, "10:00:30"),
      },
    });
    expect(await settleReversalResult(db, { merchantId: merchant.id, result: late })).toMatchObject({
      outcome: "already_final",
      status: "reversed",
    });
    const done = await db.reversal.findUniqueOrThrow({ where: { id: reversal.id } });
    expect(done).toMatchObject({ status: "reversed", receipt: "RVS2500001" });
    expect(done.completedAt).toEqual(at(day, "10:00:30"));
    // Delivered again: nothing changes.
    await settleReversalResult(db, { merchantId: merchant.id, result: late });
    expect(await db.reversal.findUniqueOrThrow({ where: { id: reversal.id } })).toEqual(done);
  });

  it("M-Pesa's line of a reversal settled by status (no receipt of its own) matches by its linked receipt", async () => {
    const merchant = await createMerchant(db);
    const day = addKenyanDays(todayInKenya(new Date()), -1);
    const settledByStatus = async (amount: number) => {
      const { payment, reversal } = await submittedReversal(merchant.id, { day, amount });
      await settleReversalStatus(db, {
        merchantId: merchant.id,
        result: result({
          transactionId: `OAR${randomUUID().slice(0, 7)}`,
          parameters: { ReceiptNo: payment.receipt, TransactionStatus: "Reversed", Amount: amount },
          reference: { Occasion: reversal.id },
        }),
      });
      return { payment, reversal };
    };
    const exact = await settledByStatus(300);
    const short = await settledByStatus(500);
    const line = (linkedReceipt: string | null, amountKes: number) => ({
      receipt: receipt(),
      entry: "principal" as const,
      direction: "out" as const,
      amountCents: BigInt(amountKes) * 100n,
      completedAt: at(day, "10:00:30"),
      transactionType: "Reversal",
      transactionStatus: "Completed",
      linkedReceipt,
    });
    const lines = [line(exact.payment.receipt, 300), line(short.payment.receipt, 450)];
    const stored = await recordMpesaRecords(db, {
      merchantId: merchant.id,
      environment: "simulator",
      source: "statement",
      lines,
    });
    const deps = { db, keyring: parseKeyring(generateKeyringSpec("t1")) };
    const counts = await matchMpesaRecords(deps, { merchantId: merchant.id, recordIds: stored.insertedIds });
    expect(counts).toMatchObject({ matched: 2, opened: { record_amount_mismatch: 1 } });
    expect(counts.opened.not_in_malipo).toBeUndefined();
    for (const [index, { reversal }] of [exact, short].entries()) {
      const record = await db.mpesaRecord.findFirstOrThrow({ where: { receipt: lines[index]?.receipt } });
      expect(record.reversalId).toBe(reversal.id);
      expect((await db.reversal.findUniqueOrThrow({ where: { id: reversal.id } })).receipt).toBe(
        lines[index]?.receipt,
      );
    }
    // The reversal now has its receipt: another line linked to the same payment is not it.
    const stray = await recordMpesaRecords(db, {
      merchantId: merchant.id,
      environment: "simulator",
      source: "statement",
      lines: [line(exact.payment.receipt, 300)],
    });
    const again = await matchMpesaRecords(deps, { merchantId: merchant.id, recordIds: stray.insertedIds });
    expect(again).toMatchObject({ matched: 0, opened: { not_in_malipo: 1 } });
    expect((await db.reversal.findUniqueOrThrow({ where: { id: exact.reversal.id } })).receipt).toBe(
      lines[0]?.receipt,
    );
  });
});
