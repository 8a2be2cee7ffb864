import type { MpesaRecord } from "../../../prisma/generated/prisma/client";
import type { PaymentStatus } from "../../../prisma/generated/prisma/enums";
import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { settleC2bConfirmation } from "../collections/settle-c2b-confirmation";
import { settleStkResult } from "../collections/settle-stk-result";
import { darajaTimestamp } from "../daraja/credentials";
import { openReviewItem } from "../review/open-review-item";

/** What matching M-Pesa records needs: the database (or a transaction) and the keyring settlement uses. */
export interface MpesaRecordDeps {
  db: DbClient;
  keyring: Keyring;
  now?: () => Date;
}

export interface MatchCounts {
  /** Records now tied to a payment, paybill payment, payout or reversal. */
  matched: number;
  /** Money Malipo had not counted: STK payments settled paid from the record, paybill payments created. */
  recovered: number;
  /** Payments already paid without a receipt (settled by query) that got their receipt and payer. */
  receiptsCompleted: number;
  /** Review items opened, by kind. */
  opened: Record<string, number>;
}

/** An STK payment may complete up to this long after it was started (prompt, PIN, retries). */
const STK_COMPLETES_WITHIN_MS = 10 * 60_000;
/** Clocks differ: M-Pesa's completion time may read slightly before Malipo's creation time. */
const CLOCK_SKEW_MS = 60_000;
/** Failure codes that mean M-Pesa never gave an answer about the money (the prompt may still have been paid). */
const NO_ANSWER_CODES = ["1025", "9999"];

/**
 * Matches stored M-Pesa records to Malipo, each record once (its row is locked): by receipt to a
 * payment, paybill payment, payout or reversal (an amount difference opens record_amount_mismatch),
 * or by its linked receipt to a reversal Transaction Status settled without one;
 * an incoming record without one settles the STK payment it belongs to (same amount and account
 * reference, started shortly before, same masked payer when shown) through the callbacks' settlement,
 * or becomes the paybill payment whose confirmation never came; anything else opens not_in_malipo.
 */
export async function matchMpesaRecords(
  deps: MpesaRecordDeps,
  options: { merchantId: string; recordIds: string[] },
): Promise<MatchCounts> {
  const counts: MatchCounts = { matched: 0, recovered: 0, receiptsCompleted: 0, opened: {} };
  const open = async (tx: DbClient, item: Parameters<typeof openReviewItem>[1]) => {
    if (await openReviewItem(tx, item)) counts.opened[item.kind] = (counts.opened[item.kind] ?? 0) + 1;
  };
  for (const recordId of options.recordIds) {
    await inTransaction(deps.db, async (tx) => {
      const [locked] = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM mpesa_records
        WHERE id = ${recordId}::uuid AND merchant_id = ${options.merchantId}::uuid
          AND payment_id IS NULL AND c2b_transaction_id IS NULL AND payout_id IS NULL AND reversal_id IS NULL
        FOR UPDATE`;
      if (!locked) return;
      const record = await tx.mpesaRecord.findUniqueOrThrow({ where: { id: locked.id } });
      const link = await matchOne(tx, deps, record, counts, open);
      if (!link) return;
      counts.matched += 1;
      await tx.mpesaRecord.update({
        where: { id: record.id },
        data: { ...link, matchedAt: deps.now?.() ?? new Date() },
      });
      // An earlier pass found one side missing; now both sides are accounted for.
      await tx.reviewItem.updateMany({
        where: {
          status: "open",
          OR: [
            { mpesaRecordId: record.id, kind: "not_in_malipo" },
            { kind: "not_in_mpesa", merchantId: options.merchantId, ...link },
          ],
        },
        data: {
          status: "resolved",
          resolvedAt: deps.now?.() ?? new Date(),
          note: "Matched to Malipo on a later check.",
        },
      });
    });
  }
  return counts;
}

/** What a record was matched to (exactly one of these). */
type Link =
  | { paymentId: string }
  | { c2bTransactionId: string }
  | { payoutId: string }
  | { reversalId: string };
type Open = (tx: DbClient, item: Parameters<typeof openReviewItem>[1]) => Promise<void>;

async function matchOne(
  tx: DbClient,
  deps: MpesaRecordDeps,
  record: MpesaRecord,
  counts: MatchCounts,
  open: Open,
): Promise<Link | null> {
  const merchantId = record.merchantId;
  const base = { merchantId, mpesaRecordId: record.id };
  const shown = { receipt: record.receipt, amountCents: record.amountCents.toString() };
  const mismatch = (expectedKes: number | null, paymentId?: string) =>
    expectedKes === null || BigInt(expectedKes) * 100n !== record.amountCents
      ? open(tx, {
          ...base,
          paymentId: paymentId ?? null,
          kind: "record_amount_mismatch",
          expected: { amount: expectedKes },
          actual: { ...shown, amount: centsToKesText(record.amountCents) },
        })
      : Promise.resolve();

  const anyDirection = record.entry === "charge";
  if (record.direction === "in" || anyDirection) {
    const payment = await tx.payment.findFirst({ where: { merchantId, receipt: record.receipt } });
    if (payment) {
      if (!anyDirection) await mismatch(payment.paidAmount ?? payment.amount, payment.id);
      return { paymentId: payment.id };
    }
    const c2b = await tx.c2bTransaction.findFirst({ where: { merchantId, transId: record.receipt } });
    if (c2b) {
      if (!anyDirection) await mismatch(c2b.amount);
      return { c2bTransactionId: c2b.id };
    }
  }
  if (record.direction === "out" || anyDirection) {
    const payout = await tx.payout.findFirst({ where: { merchantId, receipt: record.receipt } });
    if (payout) {
      if (!anyDirection) await mismatch(payout.amount);
      return { payoutId: payout.id };
    }
    const reversal = await tx.reversal.findFirst({ where: { merchantId, receipt: record.receipt } });
    if (reversal) {
      if (!anyDirection) await mismatch(reversal.amount);
      return { reversalId: reversal.id };
    }
    const unreceipted = anyDirection ? null : await takeReceiptForReversal(tx, record);
    if (unreceipted) {
      await mismatch(unreceipted.amount);
      return { reversalId: unreceipted.id };
    }
  }
  // A charge line belongs to a receipt Malipo does not know: its principal line carries the finding.
  if (anyDirection) return null;
  // A failed or cancelled line moved no money.
  if (record.transactionStatus && !/complet|success/i.test(record.transactionStatus)) return null;

  if (record.direction === "in") {
    const stk = await recoverStkPayment(tx, deps, record, counts);
    if (stk) return stk;
    if (looksLikeCustomerPayment(record)) {
      const c2b = await recoverC2bPayment(tx, record, counts);
      if (c2b) return c2b;
    }
  }
  await open(tx, {
    ...base,
    kind: "not_in_malipo",
    expected: { inMalipo: "a matching payment, payout or reversal" },
    actual: {
      ...shown,
      amount: centsToKesText(record.amountCents),
      direction: record.direction,
      completedAt: record.completedAt.toISOString(),
      otherParty: record.otherParty,
      accountReference: record.accountReference,
    },
  });
  return null;
}

/**
 * Transaction Status can settle a reversal from the payment's side (Reversed) before any Result,
 * leaving it without its own receipt: an outgoing line whose linked receipt is the payment's is
 * that reversal's, and gives it its receipt (once; the row is locked and must still lack one).
 */
async function takeReceiptForReversal(
  tx: DbClient,
  record: MpesaRecord,
): Promise<{ id: string; amount: number } | null> {
  if (!record.linkedReceipt) return null;
  const [reversal] = await tx.$queryRaw<{ id: string; amount: number }[]>`
    SELECT id, amount FROM reversals
    WHERE merchant_id = ${record.merchantId}::uuid AND original_receipt = ${record.linkedReceipt}
      AND status = 'reversed' AND receipt IS NULL
    ORDER BY created_at
    LIMIT 1
    FOR UPDATE`;
  if (!reversal) return null;
  await tx.reversal.update({ where: { id: reversal.id }, data: { receipt: record.receipt } });
  return reversal;
}

/**
 * The STK payment an incoming record without a known receipt belongs to: same amount, started
 * shortly before it completed, same account reference and masked payer when the record shows them,
 * and still without a receipt (pending, timed out, failed without an answer, or paid by query).
 */
async function recoverStkPayment(
  tx: DbClient,
  deps: MpesaRecordDeps,
  record: MpesaRecord,
  counts: MatchCounts,
): Promise<Link | null> {
  if (record.amountCents % 100n !== 0n) return null;
  const amount = Number(record.amountCents / 100n);
  const completed = record.completedAt.getTime();
  const candidates = await tx.$queryRaw<
    {
      id: string;
      checkout_request_id: string;
      reference: string;
      phone_masked: string;
      status: PaymentStatus;
    }[]
  >`
    SELECT id, checkout_request_id, reference, phone_masked, status FROM payments p
    WHERE merchant_id = ${record.merchantId}::uuid AND amount = ${amount} AND receipt IS NULL
      AND checkout_request_id IS NOT NULL
      AND created_at BETWEEN ${new Date(completed - STK_COMPLETES_WITHIN_MS)} AND ${new Date(completed + CLOCK_SKEW_MS)}
      AND (status IN ('pending', 'timed_out', 'paid')
           OR (status = 'failed' AND (result_code IS NULL OR result_code = ANY (${NO_ANSWER_CODES}::text[]))))
      AND NOT EXISTS (SELECT 1 FROM mpesa_records r WHERE r.payment_id = p.id)
    ORDER BY created_at DESC`;
  const reference = record.accountReference?.trim().toLowerCase();
  const payer = phoneHint(record.otherParty);
  for (const candidate of candidates) {
    if (reference && candidate.reference.trim().toLowerCase() !== reference) continue;
    if (payer && !sameMaskedPhone(payer, phoneHint(candidate.phone_masked))) continue;
    const settled = await settleStkResult(tx, {
      keyring: deps.keyring,
      merchantId: record.merchantId,
      result: {
        checkoutRequestId: candidate.checkout_request_id,
        resultCode: "0",
        resultDesc: "M-Pesa's record shows this payment completed.",
        amount,
        receipt: record.receipt,
        payerPhoneMasked: record.otherParty,
        source: record.source,
      },
    });
    if (settled.outcome === "unknown_payment") continue;
    const after = await tx.payment.findUniqueOrThrow({ where: { id: candidate.id } });
    if (after.receipt !== record.receipt) continue;
    if (candidate.status === "paid") counts.receiptsCompleted += 1;
    else counts.recovered += 1;
    if (candidate.status === "timed_out" || candidate.status === "failed") {
      counts.opened.late_success = (counts.opened.late_success ?? 0) + 1;
    }
    return { paymentId: candidate.id };
  }
  return null;
}

/** Money paid to the paybill or till whose confirmation never reached Malipo: kept like a confirmation. */
async function recoverC2bPayment(
  tx: DbClient,
  record: MpesaRecord,
  counts: MatchCounts,
): Promise<Link | null> {
  const credential = await tx.mpesaCredential.findUnique({
    where: { merchantId_environment: { merchantId: record.merchantId, environment: record.environment } },
    select: { shortcode: true },
  });
  const whole = record.amountCents % 100n === 0n;
  const outcome = await settleC2bConfirmation(tx, {
    merchantId: record.merchantId,
    source: record.source,
    notification: {
      transactionType: record.transactionType ?? "",
      transId: record.receipt,
      // C2B's TransTime: YYYYMMDDHHmmss in Kenyan time, as a confirmation carries it.
      transTime: darajaTimestamp(record.completedAt),
      amount: whole ? Number(record.amountCents / 100n) : null,
      amountRaw: centsToKesText(record.amountCents),
      shortcode: credential?.shortcode ?? "",
      billRefNumber: (record.accountReference ?? "").trim(),
      invoiceNumber: "",
      orgAccountBalance: "",
      thirdPartyTransId: "",
      payer: { kind: "masked", masked: record.otherParty ?? "" },
      payerName: "",
    },
  });
  const c2b = await tx.c2bTransaction.findFirst({
    where: { merchantId: record.merchantId, transId: record.receipt },
    select: { id: true },
  });
  if (!c2b) return null; // the TransID belongs to another merchant's confirmation
  if (outcome !== "duplicate") counts.recovered += 1;
  if (outcome === "unmatched") counts.opened.unmatched_c2b = (counts.opened.unmatched_c2b ?? 0) + 1;
  return { c2bTransactionId: c2b.id };
}

/**
 * Pull Transactions only lists customer payments; a statement also lists transfers between the
 * organisation's own accounts and payments from other businesses, which are not paybill payments.
 */
function looksLikeCustomerPayment(record: MpesaRecord): boolean {
  if (record.source === "pull") return true;
  const text = `${record.transactionType ?? ""} ${record.details ?? ""}`;
  if (/pay ?bill|buy ?goods|c2b|customer|merchant payment/i.test(text)) return true;
  return phoneHint(record.otherParty) !== null;
}

/** `2547•••••678 - Jane`, `2547******678`, `0712***678` → the digits shown on either side of the mask. */
function phoneHint(text: string | null | undefined): { head: string; tail: string } | null {
  const match = /(\d{3,})\s*[*•xX]{2,}\s*(\d{2,})/.exec(text ?? "");
  if (!match?.[1] || !match[2]) return null;
  const head = match[1].startsWith("0") ? `254${match[1].slice(1)}` : match[1];
  return { head, tail: match[2] };
}

function sameMaskedPhone(
  a: { head: string; tail: string },
  b: { head: string; tail: string } | null,
): boolean {
  if (!b) return true;
  const heads = a.head.length <= b.head.length ? b.head.startsWith(a.head) : a.head.startsWith(b.head);
  const tails = a.tail.length <= b.tail.length ? b.tail.endsWith(a.tail) : a.tail.endsWith(b.tail);
  return heads && tails;
}

function centsToKesText(cents: bigint): string {
  const whole = cents / 100n;
  const rest = (cents % 100n).toString().padStart(2, "0");
  return `${whole}.${rest}`;
}
