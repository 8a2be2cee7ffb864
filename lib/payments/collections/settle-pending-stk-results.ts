import type { Payment } from "../../../prisma/generated/prisma/client";
import type { PaymentStatus, ReceiptSource } from "../../../prisma/generated/prisma/enums";
import type { Keyring } from "../../crypto/keyring";
import { lookupHash } from "../../crypto/seal";
import { afterCommit, type DbClient } from "../../db-types";
import { paymentEventType } from "../../events/event-types";
import { recordEvents } from "../../events/record-event";
import { maskPhone } from "../../redact";
import { reportSettled } from "../observer";
import { PAYMENT_COLUMNS } from "./payment-columns";
import { toPaymentResource } from "./payment-resource";
import { statusForStkResult } from "./stk-outcomes";

export interface StkResult {
  checkoutRequestId: string;
  resultCode: string;
  resultDesc: string;
  /** Whole KES M-Pesa reports as paid (success only). */
  amount?: number | null;
  receipt?: string | null;
  /** Payer MSISDN as M-Pesa reports it. */
  phone?: string | null;
  /** The payer as M-Pesa's record shows it, already masked (used when `phone` is absent). */
  payerPhoneMasked?: string | null;
  /** callback or query (STK), or the M-Pesa record (Pull Transactions, a statement) that showed it. */
  source: "callback" | "query" | "pull" | "statement";
  inboxId?: string | null;
}

/** One result to settle: `merchantId` is the merchant it arrived for, `key` names it in the answer. */
export interface PendingStkResult {
  key: string;
  merchantId: string;
  result: StkResult;
}

/** Where a receipt carried by this result came from (a query never carries one). */
export function receiptSourceOf(source: StkResult["source"]): ReceiptSource {
  return source === "pull" || source === "statement" ? source : "callback";
}

/**
 * The common case, for any number of results in two statements: results for pending payments
 * that add up (a failure, or a success of the asked amount, from the payer asked, with an unused
 * receipt, for no checkout session) are applied by one UPDATE, and their events and webhook
 * deliveries written by one INSERT (recordEvents). Call it inside a transaction.
 *
 * `status = 'pending'` in the UPDATE's WHERE is the row lock and the final-state check at once: a
 * concurrent settlement of the same payment waits for the row, and PostgreSQL then re-checks the
 * WHERE against the committed row, so only one of them updates it. Within one call, only the
 * first result for a payment, and the first carrying a given receipt, is tried: one statement
 * cannot apply two results to a row, nor see a receipt it is writing itself.
 *
 * Returns the payment each applied result settled, by key. A result left out (already final,
 * unknown, a duplicate, or something to review) is for settleStkResult's general path, which
 * locks, reads and decides every other case.
 */
export async function settlePendingStkResults(
  tx: DbClient,
  options: { keyring: Keyring; results: readonly PendingStkResult[]; now?: Date },
): Promise<Map<string, Payment>> {
  const now = options.now ?? new Date();
  const payments = new Set<string>();
  const receipts = new Set<string>();
  const rows: {
    key: string;
    checkoutRequestId: string;
    merchantId: string;
    status: PaymentStatus;
    resultCode: string;
    resultDesc: string;
    receipt: string | null;
    receiptSource: ReceiptSource | null;
    paidAmount: number | null;
    payerPhoneMasked: string | null;
    phoneHash: string | null;
    success: boolean;
  }[] = [];
  for (const { key, merchantId, result } of options.results) {
    const success = result.resultCode === "0";
    const paidAmount = success ? (result.amount ?? null) : null;
    if (success && paidAmount === null) continue; // a success without an amount goes to review
    const payment = `${merchantId} ${result.checkoutRequestId}`;
    const receipt = result.receipt ?? null;
    if (payments.has(payment) || (receipt !== null && receipts.has(receipt))) continue;
    payments.add(payment);
    if (receipt !== null) receipts.add(receipt);
    rows.push({
      key,
      checkoutRequestId: result.checkoutRequestId,
      merchantId,
      status: statusForStkResult(result.resultCode),
      resultCode: result.resultCode,
      resultDesc: result.resultDesc,
      receipt,
      receiptSource: receipt ? receiptSourceOf(result.source) : null,
      paidAmount,
      payerPhoneMasked: success && result.phone ? maskPhone(result.phone) : (result.payerPhoneMasked ?? null),
      phoneHash: success && result.phone ? lookupHash(options.keyring, result.phone, "phone") : null,
      success,
    });
  }
  const settled = new Map<string, Payment>();
  if (rows.length === 0) return settled;
  // Rows are locked in this order: two batches holding some of the same payments take them in the
  // same order, so one waits for the other instead of deadlocking.
  rows.sort((a, b) =>
    a.checkoutRequestId < b.checkoutRequestId ? -1 : a.checkoutRequestId > b.checkoutRequestId ? 1 : 0,
  );
  const column = <K extends keyof (typeof rows)[number]>(name: K) => rows.map((row) => row[name]);
  const updated = await tx.$queryRaw<(Payment & { key: string })[]>`
    UPDATE payments SET
      status = v.status::"PaymentStatus", result_code = v.result_code, result_desc = v.result_desc,
      receipt = v.receipt, receipt_source = v.receipt_source::"ReceiptSource",
      paid_amount = v.paid_amount, payer_phone_masked = v.payer_phone_masked,
      settled_at = ${now}::timestamptz, updated_at = ${now}::timestamptz
    FROM unnest(${column("key")}::text[], ${column("checkoutRequestId")}::text[],
        ${column("merchantId")}::uuid[], ${column("status")}::text[], ${column("resultCode")}::text[],
        ${column("resultDesc")}::text[], ${column("receipt")}::text[], ${column("receiptSource")}::text[],
        ${column("paidAmount")}::int[], ${column("payerPhoneMasked")}::text[], ${column("phoneHash")}::text[],
        ${column("success")}::boolean[])
      AS v(key, checkout_request_id, merchant_id, status, result_code, result_desc, receipt,
        receipt_source, paid_amount, payer_phone_masked, phone_hash, success)
    WHERE payments.checkout_request_id = v.checkout_request_id AND payments.merchant_id = v.merchant_id
      AND payments.status = 'pending'
      AND (NOT v.success OR (
        payments.amount = v.paid_amount AND payments.checkout_session_id IS NULL
        AND (v.phone_hash IS NULL OR payments.phone_hash = v.phone_hash)
        AND (v.receipt IS NULL
          OR NOT EXISTS (SELECT 1 FROM payments taken WHERE taken.receipt = v.receipt))))
    RETURNING v.key, ${PAYMENT_COLUMNS}`;
  for (const { key, ...payment } of updated) settled.set(key, payment);
  await announceSettled(tx, [...settled.values()], now);
  return settled;
}

/**
 * What every settlement that changed a payment does next: records its event, and reports it once
 * the transaction commits (afterCommit).
 */
export async function announceSettled(tx: DbClient, payments: readonly Payment[], now = new Date()) {
  const events = [];
  for (const payment of payments) {
    afterCommit(tx, () =>
      reportSettled({
        kind: "payment",
        id: payment.id,
        status: payment.status,
        startedAt: payment.createdAt,
        settledAt: payment.settledAt ?? now,
      }),
    );
    const type = paymentEventType(payment.status);
    if (type)
      events.push({
        merchantId: payment.merchantId,
        type,
        objectId: payment.id,
        data: toPaymentResource(payment),
      });
  }
  if (events.length > 0) await recordEvents(tx, events, { now });
}
