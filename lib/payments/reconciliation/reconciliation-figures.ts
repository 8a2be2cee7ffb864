// The shape of a reconciliation day's figures (stored as json in reconciliation_days.figures) and
// the Kenyan-day arithmetic its operations share.
import { createHash } from "node:crypto";
import { z } from "zod";
import { kenyanDayOf } from "../../kenyan-days";

const DAY_MS = 86_400_000;

/** Start and end (exclusive) of a Kenyan day, `YYYY-MM-DD` (Africa/Nairobi is UTC+3 all year). */
export function kenyanDayBounds(day: string): { start: Date; end: Date } {
  const start = new Date(`${day}T00:00:00+03:00`);
  return { start, end: new Date(start.getTime() + DAY_MS) };
}

/** The Kenyan day `n` days after `day` (before, when negative). */
export function addKenyanDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The earlier of two `YYYY-MM-DD` days. */
export function earlierDay(a: string, b: string): string {
  return a <= b ? a : b;
}

/** Every day from `from` to `to`, inclusive, oldest first. */
export function kenyanDaysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addKenyanDays(day, 1)) days.push(day);
  return days;
}

/** A `date` column (midnight UTC in Prisma) as `YYYY-MM-DD`. */
export function dateColumnDay(value: Date): string {
  return value.toISOString().slice(0, 10);
}

export const todayInKenya = (now: Date) => kenyanDayOf(now);

const countAmount = z.object({ count: z.number().int(), amountKes: z.number().int() });
const countCents = z.object({ count: z.number().int(), amountCents: z.number().int() });

export const reconciliationFiguresSchema = z.object({
  day: z.string(),
  /**
   * Payment attempts started that day, by status; collected = paid and reversed (the money came in
   * that day; a reversal counts in `reversed` on the day it completed, so it is subtracted once).
   */
  payments: z.record(z.string(), countAmount),
  collected: countAmount,
  /** Paybill and till money (C2B) received that day, matched to a checkout or not. */
  c2bReceived: countAmount.extend({ unmatched: z.number().int() }),
  /** Payouts that completed that day (paid), and payouts requested that day by status. */
  paidOut: countAmount,
  payouts: z.record(z.string(), countAmount),
  /** Reversals that completed that day. */
  reversed: countAmount,
  /**
   * M-Pesa's charges: from payout and reversal Results (B2C Results carry none) and from the
   * charge lines of M-Pesa's record, which are the complete figure when a statement covers the day.
   */
  charges: z.object({ fromResultsCents: z.number().int(), fromMpesaRecordCents: z.number().int() }),
  /** Balances in cents, from the day's M-Pesa record lines, else the nearest Account Balance. */
  balance: z.object({
    openingCents: z.number().int().nullable(),
    closingCents: z.number().int().nullable(),
    source: z.enum(["mpesa_record", "account_balance"]).nullable(),
    reason: z.string().nullable(),
  }),
  /** What M-Pesa's record (Pull Transactions or a statement) shows for the day, and what it confirms. */
  mpesaRecord: z.object({
    covered: z.boolean(),
    lines: z.number().int(),
    moneyIn: countCents,
    moneyOut: countCents,
    /** Lines matched to a payment or C2B transaction, beside Malipo's own money in. */
    confirmedIn: countCents,
    malipoIn: countAmount,
    /** Lines matched to a payout or reversal, beside Malipo's own money out. */
    confirmedOut: countCents,
    malipoOut: countAmount,
    unmatched: z.number().int(),
  }),
  openItems: z.number().int(),
});

export type ReconciliationFigures = z.infer<typeof reconciliationFiguresSchema>;

export type ReconciliationState = "not_checked" | "open_items" | "balanced";

/** JSON with keys sorted at every level, so equal figures always hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the figures and the ids of the open review items, in canonical JSON. */
export function reconciliationFingerprint(figures: ReconciliationFigures, openItemIds: string[]): string {
  return createHash("sha256")
    .update(canonical({ figures, openItemIds: [...openItemIds].sort() }))
    .digest("hex");
}
