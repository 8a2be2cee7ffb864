import { Readable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { AppError } from "@/lib/errors";
import { recordMpesaRecords } from "@/lib/payments/reconciliation/record-mpesa-records";
import { importStatement } from "@/lib/payments/reconciliation/statement/import-statement";
import { matchRecordsByReceipt } from "@/lib/payments/reconciliation/statement/match-records-by-receipt";
import { createMerchant, createMpesaCredential, createPayment, createPayout, createUser } from "../factories";
import { testDb } from "./db";

const db = testDb();
const keyring = parseKeyring(generateKeyringSpec("statement-test"));
const deps = { db, keyring };

/** Kenyan wall clock → the instant. */
const eat = (iso: string) => new Date(`${iso}+03:00`);

const HEADER =
  "Receipt No.,Completion Time,Initiation Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Balance Confirmed,Reason Type,Other Party Info,Linked Transaction ID,A/C No.";

/** A statement as the portal exports it: its heading, then the table, for 01-12-2026. */
function statement(shortcode: string, lines: string[]): Buffer {
  return Buffer.from(
    [
      "Account Holder:,Statement Test Shop",
      `Short Code:,${shortcode}`,
      "Account:,Utility Account",
      "Time Period:,,From 01-12-2026 00:00:00,,To 01-12-2026 23:59:59",
      "Operator:,jdoe,,,,Date of Report:,02-12-2026 09:15:02",
      HEADER,
      ...lines,
      "",
    ].join("\r\n"),
  );
}

async function merchantWithShortcode(shortcode: string) {
  const merchant = await createMerchant(db);
  await createMpesaCredential(db, { merchantId: merchant.id, shortcode });
  return merchant;
}

describe("importStatement", () => {
  let user: Awaited<ReturnType<typeof createUser>>;
  let actor: { id: string; label: string };
  beforeAll(async () => {
    user = await createUser(db);
    actor = { id: user.id, label: user.email };
  });

  it("turns every kind of difference into exactly one review item, and a re-import into none", async () => {
    const merchant = await merchantWithShortcode("600984");
    const merchantId = merchant.id;
    const paid = (receipt: string, amount: number, at: string) =>
      createPayment(db, {
        merchantId,
        status: "paid",
        receipt,
        amount,
        paidAmount: amount,
        settledAt: eat(at),
      });
    // Malipo's side of 01-12-2026.
    const agreed = await paid("SLA1B2C3D4", 1500, "2026-12-01T09:02:30");
    const shortPaid = await paid("SLA1B2C3D5", 2000, "2026-12-01T10:16:00"); // M-Pesa says 2,500
    const notAtMpesa = await paid("SLZ9MISSIN", 700, "2026-12-01T11:00:00"); // not on the statement
    await paid("SLY8OUTSID", 800, "2026-12-02T08:00:00"); // after the period: not compared
    const payout = await createPayout(db, {
      merchantId,
      status: "paid",
      amount: 3000,
      receipt: "SLB9X8Y7Z6",
      completedAt: eat("2026-12-01T12:30:00"),
      settledAt: eat("2026-12-01T12:30:05"),
    });
    const payoutNotAtMpesa = await createPayout(db, {
      merchantId,
      status: "paid",
      amount: 1200,
      receipt: "SLP4YOUTMS",
      completedAt: eat("2026-12-01T15:00:00"),
      settledAt: eat("2026-12-01T15:00:04"),
    });

    const bytes = statement("600984", [
      // Agrees with Malipo.
      `SLA1B2C3D4,01-12-2026 09:02:11,01-12-2026 09:02:09,Pay Bill Online from 2547******149 - JANE DOE Acc. INV-1001,Completed,"1,500.00",,"11,500.00",true,Pay Bill Online,2547******149 - JANE DOE,,INV-1001`,
      // Amount differs.
      `SLA1B2C3D5,01-12-2026 10:15:40,01-12-2026 10:15:38,Pay Bill Online from 2547******150 - JOHN KAMAU,Completed,"2,500.00",,"14,000.00",true,Pay Bill Online,2547******150 - JOHN KAMAU,,ORDER-7`,
      // A customer's paybill payment Malipo never heard of: kept as a paybill payment, and flagged.
      `SLC1UNSEEN,01-12-2026 11:30:00,01-12-2026 11:29:58,Pay Bill Online from 2547******151 - PETER OTIENO,Completed,450.00,,"14,450.00",true,Pay Bill Online,2547******151 - PETER OTIENO,,NO-SUCH-REF`,
      // Money in from another business, not Malipo's: not in Malipo.
      `SLD2ORGIN0,01-12-2026 11:45:00,01-12-2026 11:44:58,Funds received from 600111 - SUPPLIER LTD,Completed,"5,000.00",,"19,450.00",true,Organization To Organization Transfer,600111 - SUPPLIER LTD,,`,
      // Malipo's payout, with M-Pesa's charge on the same receipt.
      `SLB9X8Y7Z6,01-12-2026 12:30:00,01-12-2026 12:29:58,Business Payment to 2547******321 - MARY WANJIRU,Completed,,"-3,000.00","16,450.00",true,Business Payment,2547******321 - MARY WANJIRU,,`,
      `SLB9X8Y7Z6,01-12-2026 12:30:00,01-12-2026 12:29:58,Business Payment Charge,Completed,,-16.00,"16,434.00",true,Business Payment Charge,,,`,
      // A payout Malipo never made: not in Malipo (out), and its charge.
      `SLE3OUTNOT,01-12-2026 13:00:00,01-12-2026 12:59:58,Business Payment to 2547******999 - UNKNOWN,Completed,,"-2,000.00","14,434.00",true,Business Payment,2547******999 - UNKNOWN,,`,
      `SLE3OUTNOT,01-12-2026 13:00:00,01-12-2026 12:59:58,Business Payment Charge,Completed,,-16.00,"14,418.00",true,Business Payment Charge,,,`,
      // A failed attempt moved no money; a bad row is refused and reported.
      `SLF4FAILED,01-12-2026 14:00:00,01-12-2026 13:59:58,Pay Bill Online,Failed,"9,000.00",,"14,418.00",true,Pay Bill Online,2547******555 - X,,`,
      `SLG5BADROW,01-12-2026 14:30:00,01-12-2026 14:29:58,Pay Bill Online,Completed,"9,00.0",,"14,418.00",true,Pay Bill Online,2547******556 - Y,,`,
    ]);

    const first = await importStatement(deps, {
      merchantId,
      actor,
      fileName: "ORG_600984_Statement.csv",
      environment: "simulator",
      stream: Readable.from([bytes.subarray(0, 700), bytes.subarray(700)]),
    });
    expect(first).toMatchObject({
      state: "done",
      format: "csv",
      shortcode: "600984",
      periodStart: eat("2026-12-01T00:00:00"),
      periodEnd: eat("2026-12-02T00:00:00"),
      rows: 10,
      newRecords: 8,
      duplicateRecords: 0,
      refusedRows: 1,
    });
    expect(first.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(first.summary).toMatchObject({
      periodFrom: "statement",
      notCompleted: 1,
      refused: [{ row: 16, receipt: "SLG5BADROW", reason: "Paid In is not an amount" }],
      opened: { record_amount_mismatch: 1, not_in_malipo: 2, unmatched_c2b: 1, not_in_mpesa: 2 },
    });

    const items = await db.reviewItem.findMany({ where: { merchantId }, orderBy: { kind: "asc" } });
    const records = await db.mpesaRecord.findMany({ where: { merchantId } });
    const recordOf = (receipt: string, entry = "principal") =>
      records.find((r) => r.receipt === receipt && r.entry === entry)?.id;
    const c2b = await db.c2bTransaction.findFirstOrThrow({ where: { merchantId, transId: "SLC1UNSEEN" } });
    expect(
      items.map((i) => ({
        kind: i.kind,
        paymentId: i.paymentId,
        payoutId: i.payoutId,
        mpesaRecordId: i.mpesaRecordId,
        c2bTransactionId: i.c2bTransactionId,
      })),
    ).toEqual(
      expect.arrayContaining([
        // M-Pesa shows money Malipo never recorded: in (another business) and out (a payout).
        {
          kind: "not_in_malipo",
          paymentId: null,
          payoutId: null,
          mpesaRecordId: recordOf("SLD2ORGIN0"),
          c2bTransactionId: null,
        },
        {
          kind: "not_in_malipo",
          paymentId: null,
          payoutId: null,
          mpesaRecordId: recordOf("SLE3OUTNOT"),
          c2bTransactionId: null,
        },
        // A customer's payment Malipo never heard of, now kept, waiting for someone to place it.
        {
          kind: "unmatched_c2b",
          paymentId: null,
          payoutId: null,
          mpesaRecordId: null,
          c2bTransactionId: c2b.id,
        },
        // An amount difference.
        {
          kind: "record_amount_mismatch",
          paymentId: shortPaid.id,
          payoutId: null,
          mpesaRecordId: recordOf("SLA1B2C3D5"),
          c2bTransactionId: null,
        },
        // Malipo shows as paid what M-Pesa does not: a payment and a payout.
        {
          kind: "not_in_mpesa",
          paymentId: notAtMpesa.id,
          payoutId: null,
          mpesaRecordId: null,
          c2bTransactionId: null,
        },
        {
          kind: "not_in_mpesa",
          paymentId: null,
          payoutId: payoutNotAtMpesa.id,
          mpesaRecordId: null,
          c2bTransactionId: null,
        },
      ]),
    );
    expect(items).toHaveLength(6);
    // What agrees is matched and opens nothing; the charge line follows its payout.
    const byReceipt = Object.fromEntries(records.map((r) => [`${r.receipt}/${r.entry}`, r]));
    expect(byReceipt["SLA1B2C3D4/principal"]).toMatchObject({ paymentId: agreed.id, source: "statement" });
    expect(byReceipt["SLB9X8Y7Z6/principal"]).toMatchObject({
      payoutId: payout.id,
      direction: "out",
      amountCents: 300_000n,
    });
    expect(byReceipt["SLB9X8Y7Z6/charge"]).toMatchObject({ payoutId: payout.id, amountCents: 1_600n });
    expect(records.map((r) => r.receipt)).not.toContain("SLF4FAILED");
    expect(records.every((r) => r.statementImportId === first.id)).toBe(true);

    const run = await db.reconciliationRun.findFirstOrThrow({ where: { merchantId, kind: "statement" } });
    expect(run).toMatchObject({
      windowStart: eat("2026-12-01T00:00:00"),
      windowEnd: eat("2026-12-02T00:00:00"),
      error: null,
    });
    const audit = await db.auditLog.findFirstOrThrow({ where: { merchantId, action: "statement.imported" } });
    expect(audit).toMatchObject({ actorId: user.id, targetId: first.id });

    // The same file again: nothing new anywhere.
    const again = await importStatement(deps, {
      merchantId,
      actor,
      fileName: "ORG_600984_Statement (1).csv",
      environment: "simulator",
      bytes,
    });
    expect(again).toMatchObject({
      state: "done",
      newRecords: 0,
      duplicateRecords: 8,
      refusedRows: 1,
      fileSha256: first.fileSha256,
    });
    expect(again.summary).toMatchObject({ opened: {}, sameFileAs: { id: first.id } });
    expect(await db.reviewItem.count({ where: { merchantId } })).toBe(6);
    expect(await db.mpesaRecord.count({ where: { merchantId } })).toBe(8);
    expect(await db.c2bTransaction.count({ where: { merchantId } })).toBe(1);
  });

  it("refuses a statement for another shortcode before storing any line, and keeps the failed import", async () => {
    const merchant = await merchantWithShortcode("600222");
    const bytes = statement("600984", [
      `SLH6OTHERS,01-12-2026 09:00:00,,Pay Bill Online,Completed,100.00,,100.00,true,Pay Bill Online,2547******149 - A,,`,
    ]);
    const error = await importStatement(deps, {
      merchantId: merchant.id,
      actor,
      fileName: "other.csv",
      environment: "simulator",
      bytes,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).publicMessage).toMatch(/shortcode 600984, not this merchant's \(600222\)/);
    expect(await db.mpesaRecord.count({ where: { merchantId: merchant.id } })).toBe(0);
    const failed = await db.statementImport.findFirstOrThrow({ where: { merchantId: merchant.id } });
    expect(failed).toMatchObject({ state: "failed", shortcode: "600984", newRecords: 0 });
    expect(failed.error).toMatch(/shortcode 600984/);
  });

  it("resolves an earlier 'not in M-Pesa' item once the statement shows the money", async () => {
    const merchant = await merchantWithShortcode("600444");
    const payment = await createPayment(db, {
      merchantId: merchant.id,
      status: "paid",
      receipt: "SLK9LATER0",
      amount: 250,
      paidAmount: 250,
      settledAt: eat("2026-12-01T09:00:30"),
    });
    const earlier = await db.reviewItem.create({
      data: { merchantId: merchant.id, kind: "not_in_mpesa", paymentId: payment.id },
    });
    const bytes = statement("600444", [
      `SLK9LATER0,01-12-2026 09:00:00,,Pay Bill Online,Completed,250.00,,250.00,true,Pay Bill Online,2547******149 - A,,`,
    ]);
    const done = await importStatement(deps, {
      merchantId: merchant.id,
      actor,
      fileName: "later.csv",
      environment: "simulator",
      bytes,
    });
    expect(done.summary).toMatchObject({ matched: 1, opened: {} });
    expect(await db.reviewItem.findUniqueOrThrow({ where: { id: earlier.id } })).toMatchObject({
      status: "resolved",
    });
    expect(await db.mpesaRecord.findFirstOrThrow({ where: { merchantId: merchant.id } })).toMatchObject({
      paymentId: payment.id,
    });
  });

  it("takes the period from the first and last line when the file has no heading", async () => {
    const merchant = await merchantWithShortcode("600333");
    const bytes = Buffer.from(
      [
        "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance",
        "SLJ7NOHEAD,2026-11-30 08:00:00,Funds received from 600111 - SUPPLIER LTD,Completed,100.00,,100.00",
        "SLJ8NOHEAD,2026-11-30 18:00:00,Funds received from 600111 - SUPPLIER LTD,Completed,100.00,,200.00",
      ].join("\n"),
    );
    const done = await importStatement(deps, {
      merchantId: merchant.id,
      actor,
      fileName: "bare.csv",
      environment: "simulator",
      bytes,
    });
    expect(done).toMatchObject({
      shortcode: null,
      periodStart: eat("2026-11-30T08:00:00"),
      periodEnd: eat("2026-11-30T18:00:01"),
      newRecords: 2,
      summary: expect.objectContaining({ periodFrom: "lines" }),
    });
  });

  it("never overwrites a link a concurrent pull set while the statement's batch was matching", async () => {
    const merchant = await merchantWithShortcode("600985");
    const merchantId = merchant.id;
    await createPayment(db, {
      merchantId,
      status: "paid",
      receipt: "SLC0NCURR1",
      amount: 900,
      paidAmount: 900,
      settledAt: eat("2026-12-01T09:00:00"),
    });
    const { insertedIds } = await recordMpesaRecords(db, {
      merchantId,
      environment: "simulator",
      source: "statement",
      lines: [
        {
          receipt: "SLC0NCURR1",
          entry: "principal",
          direction: "in",
          amountCents: 90_000n,
          completedAt: eat("2026-12-01T09:00:00"),
        },
      ],
    });
    const [recordId] = insertedIds;
    if (!recordId) throw new Error("the record was not stored");
    const other = await createPayment(db, { merchantId, status: "paid", amount: 900 });
    // The pull holds the record's row and links it; the statement's batch reads it unlinked first.
    let batch: Promise<string[]> | undefined;
    await db.$transaction(async (tx) => {
      await tx.mpesaRecord.update({
        where: { id: recordId },
        data: { paymentId: other.id, matchedAt: new Date() },
      });
      batch = matchRecordsByReceipt(db, { merchantId, recordIds: [recordId] });
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
    expect(await batch).toEqual([]);
    expect(await db.mpesaRecord.findUniqueOrThrow({ where: { id: recordId } })).toMatchObject({
      paymentId: other.id,
    });
  });
});
