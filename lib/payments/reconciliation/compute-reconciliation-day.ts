import { Prisma } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { resultChargesCents } from "../daraja/result-charges";
import {
  kenyanDayBounds,
  type ReconciliationFigures,
  type ReconciliationState,
  reconciliationFingerprint,
} from "./reconciliation-figures";
import { REVIEW_ITEM_DAY, REVIEW_ITEM_SOURCES } from "./review-item-day";
import { sumPaymentsOfDay } from "./sum-payments-of-day";

export interface ComputedReconciliationDay {
  day: string;
  figures: ReconciliationFigures;
  openItemIds: string[];
  state: ReconciliationState;
  fingerprint: string;
}

const SECOND_MS = 1_000;

/**
 * The day C2B money arrived: M-Pesa's TransTime (Kenyan `YYYYMMDDHHmmss`), as text so a malformed
 * one never fails the query, else when Malipo heard of it. Money recovered from a statement days
 * later still counts on its own day; it cannot have arrived before Malipo's day started, which
 * bounds the (merchant_id, created_at) range read.
 */
export const C2B_DAY = Prisma.sql`(CASE WHEN trans_time ~ '^[0-9]{14}$'
  THEN substr(trans_time, 1, 4) || '-' || substr(trans_time, 5, 2) || '-' || substr(trans_time, 7, 2)
  ELSE to_char(created_at AT TIME ZONE 'Africa/Nairobi', 'YYYY-MM-DD') END)`;
const n = (value: bigint | number | null | undefined) => Number(value ?? 0);

/**
 * Pull and statement windows (finished, without error) that together cover the whole day. M-Pesa's
 * times are whole seconds, so a statement "to 23:59:59" covers the day: gaps under a second count
 * as covered.
 */
async function mpesaRecordCovers(db: DbClient, merchantId: string, start: Date, end: Date): Promise<boolean> {
  const windows = await db.$queryRaw<{ window_start: Date; window_end: Date }[]>`
    SELECT window_start, window_end FROM reconciliation_runs
    WHERE merchant_id = ${merchantId}::uuid AND kind IN ('pull', 'statement')
      AND finished_at IS NOT NULL AND error IS NULL
      AND window_start < ${end} AND window_end > ${start}
    ORDER BY window_start`;
  let coveredUntil = start.getTime();
  for (const w of windows) {
    if (w.window_start.getTime() > coveredUntil + SECOND_MS) return false;
    coveredUntil = Math.max(coveredUntil, w.window_end.getTime());
  }
  return coveredUntil + SECOND_MS >= end.getTime();
}

/** Opening and closing balance: the day's M-Pesa record lines that carry one, else Account Balance. */
async function balancesOf(
  db: DbClient,
  merchantId: string,
  day: string,
  start: Date,
  end: Date,
): Promise<ReconciliationFigures["balance"]> {
  const lines = await db.$queryRaw<
    { direction: "in" | "out"; amount_cents: bigint; balance_cents: bigint }[]
  >`
    (SELECT direction, amount_cents, balance_cents FROM mpesa_records
     WHERE merchant_id = ${merchantId}::uuid AND day = ${day}::date AND balance_cents IS NOT NULL
     ORDER BY completed_at, receipt, entry LIMIT 1)
    UNION ALL
    (SELECT direction, amount_cents, balance_cents FROM mpesa_records
     WHERE merchant_id = ${merchantId}::uuid AND day = ${day}::date AND balance_cents IS NOT NULL
     ORDER BY completed_at DESC, receipt DESC, entry DESC LIMIT 1)`;
  const [first, last] = lines;
  if (first && last) {
    // The balance before the day's first line is that line's balance with its own movement undone.
    const before =
      first.direction === "in"
        ? first.balance_cents - first.amount_cents
        : first.balance_cents + first.amount_cents;
    return {
      openingCents: Number(before),
      closingCents: Number(last.balance_cents),
      source: "mpesa_record",
      reason: null,
    };
  }
  const nearest = (at: Date) => db.$queryRaw<{ cents: bigint | null }[]>`
    SELECT coalesce(utility_available_cents, working_available_cents) AS cents FROM account_balances
    WHERE merchant_id = ${merchantId}::uuid AND answered_at IS NOT NULL AND answered_at <= ${at}
      AND result_code = '0' AND coalesce(utility_available_cents, working_available_cents) IS NOT NULL
    ORDER BY answered_at DESC LIMIT 1`;
  const [[opening], [closing]] = await Promise.all([nearest(start), nearest(end)]);
  if (opening || closing)
    return {
      openingCents: opening?.cents == null ? null : Number(opening.cents),
      closingCents: closing?.cents == null ? null : Number(closing.cents),
      source: "account_balance",
      reason:
        "No M-Pesa record line of the day carries a balance: the nearest Account Balance answer is shown.",
    };
  return {
    openingCents: null,
    closingCents: null,
    source: null,
    reason: "No statement line of the day carries a balance and no Account Balance answer came before it.",
  };
}

/**
 * One Kenyan day of one merchant, from the source tables, each read as one index range: payment
 * attempts started that day by status (collected = paid or reversed since), C2B money received, payouts and
 * reversals completed that day with M-Pesa's charges, opening and closing balance, what M-Pesa's
 * record (Pull Transactions, statements) shows and confirms, and the day's open review items.
 * State: not_checked until pull or statement windows cover the whole day, then open_items while
 * any item is open, else balanced. Reads only; refreshReconciliationDays stores it.
 */
export async function computeReconciliationDay(
  db: DbClient,
  options: { merchantId: string; day: string },
): Promise<ComputedReconciliationDay> {
  const { merchantId, day } = options;
  const { start, end } = kenyanDayBounds(day);
  const [payments, c2b, payoutsByStatus, paidOut, reversed, records, openItems, covered, balance] =
    await Promise.all([
      sumPaymentsOfDay(db, { merchantId, start, end }),
      db.$queryRaw<{ count: bigint; amount: bigint | null; unmatched: bigint }[]>`
        SELECT count(*) AS count, sum(amount) AS amount, count(*) FILTER (WHERE NOT matched) AS unmatched
        FROM c2b_transactions
        WHERE merchant_id = ${merchantId}::uuid AND created_at >= ${start} AND ${C2B_DAY} = ${day}`,
      db.$queryRaw<{ status: string; count: bigint; amount: bigint | null }[]>`
        SELECT status::text AS status, count(*) AS count, sum(amount) AS amount FROM payouts
        WHERE merchant_id = ${merchantId}::uuid AND created_at >= ${start} AND created_at < ${end}
        GROUP BY status`,
      // Paid by the day M-Pesa completed it; a payout cannot complete before it was requested, which
      // bounds the (merchant_id, status, created_at) range read.
      db.$queryRaw<{ amount: number; result_parameters: unknown }[]>`
        SELECT amount, result_parameters FROM payouts
        WHERE merchant_id = ${merchantId}::uuid AND status = 'paid' AND created_at < ${end}
          AND coalesce(completed_at, settled_at) >= ${start} AND coalesce(completed_at, settled_at) < ${end}`,
      db.$queryRaw<{ amount: number; result_parameters: unknown }[]>`
        SELECT amount, result_parameters FROM reversals
        WHERE merchant_id = ${merchantId}::uuid AND status = 'reversed' AND created_at < ${end}
          AND coalesce(completed_at, settled_at) >= ${start} AND coalesce(completed_at, settled_at) < ${end}`,
      db.$queryRaw<
        {
          direction: "in" | "out";
          entry: string;
          count: bigint;
          cents: bigint | null;
          matched: bigint;
          matched_cents: bigint | null;
        }[]
      >`
        SELECT direction, entry, count(*) AS count, sum(amount_cents) AS cents,
               count(*) FILTER (WHERE payment_id IS NOT NULL OR c2b_transaction_id IS NOT NULL
                                   OR payout_id IS NOT NULL OR reversal_id IS NOT NULL) AS matched,
               sum(amount_cents) FILTER (WHERE payment_id IS NOT NULL OR c2b_transaction_id IS NOT NULL
                                   OR payout_id IS NOT NULL OR reversal_id IS NOT NULL) AS matched_cents
        FROM mpesa_records WHERE merchant_id = ${merchantId}::uuid AND day = ${day}::date
        GROUP BY direction, entry`,
      db.$queryRaw<{ id: string }[]>`
        SELECT r.id FROM ${REVIEW_ITEM_SOURCES}
        WHERE r.merchant_id = ${merchantId}::uuid AND r.status = 'open' AND ${REVIEW_ITEM_DAY} = ${day}
        ORDER BY r.id`,
      mpesaRecordCovers(db, merchantId, start, end),
      balancesOf(db, merchantId, day, start, end),
    ]);

  const sumKes = (rows: { amount: number }[]) => ({
    count: rows.length,
    amountKes: rows.reduce((s, r) => s + r.amount, 0),
  });
  const chargesCents = (rows: { result_parameters: unknown }[]) =>
    rows.reduce((s, r) => s + (resultChargesCents(r.result_parameters) ?? 0), 0);
  const line = (direction: "in" | "out", entry: string) =>
    records.find((r) => r.direction === direction && r.entry === entry);
  const principalIn = line("in", "principal");
  const principalOut = line("out", "principal");
  const chargeLines = records.filter((r) => r.entry === "charge");
  const [c2bRow] = c2b;
  // Money received that day, reversed later or not: a reversal counts on the day it completed.
  const collected = {
    count: (payments.paid?.count ?? 0) + (payments.reversed?.count ?? 0),
    amountKes: (payments.paid?.amountKes ?? 0) + (payments.reversed?.amountKes ?? 0),
  };
  const c2bReceived = {
    count: n(c2bRow?.count),
    amountKes: n(c2bRow?.amount),
    unmatched: n(c2bRow?.unmatched),
  };
  const paid = sumKes(paidOut);
  const reversedSum = sumKes(reversed);
  const openItemIds = openItems.map((r) => r.id);

  const figures: ReconciliationFigures = {
    day,
    payments,
    collected,
    c2bReceived,
    paidOut: paid,
    payouts: Object.fromEntries(
      payoutsByStatus.map((r) => [r.status, { count: n(r.count), amountKes: n(r.amount) }]),
    ),
    reversed: reversedSum,
    charges: {
      fromResultsCents: chargesCents(paidOut) + chargesCents(reversed),
      fromMpesaRecordCents: chargeLines.reduce((s, r) => s + n(r.cents), 0),
    },
    balance,
    mpesaRecord: {
      covered,
      lines: records.reduce((s, r) => s + n(r.count), 0),
      moneyIn: { count: n(principalIn?.count), amountCents: n(principalIn?.cents) },
      moneyOut: { count: n(principalOut?.count), amountCents: n(principalOut?.cents) },
      confirmedIn: { count: n(principalIn?.matched), amountCents: n(principalIn?.matched_cents) },
      malipoIn: {
        count: collected.count + c2bReceived.count,
        amountKes: collected.amountKes + c2bReceived.amountKes,
      },
      confirmedOut: { count: n(principalOut?.matched), amountCents: n(principalOut?.matched_cents) },
      malipoOut: {
        count: paid.count + reversedSum.count,
        amountKes: paid.amountKes + reversedSum.amountKes,
      },
      unmatched:
        n(principalIn?.count) - n(principalIn?.matched) + n(principalOut?.count) - n(principalOut?.matched),
    },
    openItems: openItemIds.length,
  };
  const state: ReconciliationState = !covered
    ? "not_checked"
    : openItemIds.length > 0
      ? "open_items"
      : "balanced";
  return { day, figures, openItemIds, state, fingerprint: reconciliationFingerprint(figures, openItemIds) };
}
