import type { Prisma, ReconciliationDay } from "../../../prisma/generated/prisma/client";
import { appendAuditLog } from "../../audit/append-audit-log";
import type { DbClient } from "../../db-types";
import { inTransaction } from "../../db-types";
import { AppError } from "../../errors";
import { C2B_DAY, computeReconciliationDay } from "./compute-reconciliation-day";
import {
  addKenyanDays,
  dateColumnDay,
  earlierDay,
  kenyanDayBounds,
  kenyanDaysBetween,
  reconciliationFiguresSchema,
  todayInKenya,
} from "./reconciliation-figures";
import { REVIEW_ITEM_DAY, REVIEW_ITEM_SOURCES } from "./review-item-day";

/** The longest range one call refreshes: two months, so a read never turns into a year's work. */
export const MAX_REFRESH_DAYS = 62;

/**
 * When something a day depends on changed after the stored figures were computed, beyond what the
 * triggers mark: a review item opened or decided on a later day about this one (the trigger marks
 * the day it was opened or decided), a pull or statement window that now covers it, and C2B money
 * of the day Malipo heard of later (a confirmation processed after midnight: the trigger marks the
 * day it was recorded, the day counts it by M-Pesa's TransTime).
 */
async function laterChanges(
  db: DbClient,
  options: { merchantId: string; from: string; to: string; since: Date },
): Promise<Map<string, number>> {
  const { merchantId, from, to, since } = options;
  const [items, runs, c2b] = await Promise.all([
    db.$queryRaw<{ day: string; changed: Date }[]>`
      SELECT x.day, max(x.changed) AS changed FROM (
        SELECT ${REVIEW_ITEM_DAY} AS day, greatest(r.created_at, r.resolved_at) AS changed
        FROM ${REVIEW_ITEM_SOURCES}
        WHERE r.merchant_id = ${merchantId}::uuid AND (r.created_at > ${since} OR r.resolved_at > ${since})
      ) AS x
      WHERE x.day BETWEEN ${from} AND ${to}
      GROUP BY x.day`,
    db.$queryRaw<{ window_start: Date; window_end: Date; finished_at: Date }[]>`
      SELECT window_start, window_end, finished_at FROM reconciliation_runs
      WHERE merchant_id = ${merchantId}::uuid AND kind IN ('pull', 'statement') AND finished_at > ${since}
        AND window_start < ${kenyanDayBounds(to).end} AND window_end > ${kenyanDayBounds(from).start}`,
    db.$queryRaw<{ day: string; changed: Date }[]>`
      SELECT x.day, max(x.created_at) AS changed FROM (
        SELECT ${C2B_DAY} AS day, created_at FROM c2b_transactions
        WHERE merchant_id = ${merchantId}::uuid AND created_at > ${since}
      ) AS x
      WHERE x.day BETWEEN ${from} AND ${to}
      GROUP BY x.day`,
  ]);
  const changed = new Map(items.map((i) => [i.day, i.changed.getTime()]));
  for (const row of c2b) changed.set(row.day, Math.max(changed.get(row.day) ?? 0, row.changed.getTime()));
  for (const run of runs) {
    for (const day of kenyanDaysBetween(from, to)) {
      const { start, end } = kenyanDayBounds(day);
      if (run.window_start < end && run.window_end > start)
        changed.set(day, Math.max(changed.get(day) ?? 0, run.finished_at.getTime()));
    }
  }
  return changed;
}

/** Recomputes one past day under its row lock and stores it; flags a signed-off day that changed. */
async function recomputeDay(db: DbClient, merchantId: string, day: string): Promise<ReconciliationDay> {
  return inTransaction(
    db,
    async (tx) => {
      // The row lock first, then the reads: a writer whose trigger marks this day stale either
      // committed before the lock (its change is read below) or waits for it (and marks the row
      // stale again after this commits). Nothing is lost between the read and the write.
      await tx.$executeRaw`
        INSERT INTO reconciliation_days (merchant_id, day) VALUES (${merchantId}::uuid, ${day}::date)
        ON CONFLICT (merchant_id, day) DO NOTHING`;
      const [locked] = await tx.$queryRaw<
        { signed_off_fingerprint: string | null; changed_after_sign_off_at: Date | null; now: Date }[]
      >`
        SELECT signed_off_fingerprint, changed_after_sign_off_at, now() AS now FROM reconciliation_days
        WHERE merchant_id = ${merchantId}::uuid AND day = ${day}::date FOR UPDATE`;
      if (!locked) throw new Error(`reconciliation day ${day} vanished under its lock`);
      const computed = await computeReconciliationDay(tx, { merchantId, day });
      const changedAfterSignOff =
        locked.signed_off_fingerprint !== null &&
        locked.changed_after_sign_off_at === null &&
        computed.fingerprint !== locked.signed_off_fingerprint;
      const row = await tx.reconciliationDay.update({
        where: { merchantId_day: { merchantId, day: new Date(`${day}T00:00:00Z`) } },
        data: {
          figures: computed.figures as unknown as Prisma.InputJsonObject,
          fingerprint: computed.fingerprint,
          openItems: computed.figures.openItems,
          state: computed.state,
          stale: false,
          // The transaction's start, before any read: a change after it marks the day again.
          computedAt: locked.now,
          ...(changedAfterSignOff ? { changedAfterSignOffAt: locked.now } : {}),
        },
      });
      if (changedAfterSignOff)
        await appendAuditLog(tx, {
          merchantId,
          actor: { type: "system", label: "reconciliation" },
          action: "reconciliation.day_changed_after_sign_off",
          target: { type: "reconciliation_day", id: day },
          metadata: {
            day,
            state: computed.state,
            signedOffFingerprint: locked.signed_off_fingerprint,
            fingerprint: computed.fingerprint,
          },
        });
      return row;
    },
    { timeout: 30_000 },
  );
}

/**
 * Brings a range of the merchant's past Kenyan days up to date and returns their rows, oldest
 * first: a day is recomputed when it has no row, a trigger marked it stale, it was computed before
 * it ended, or a later review item or M-Pesa record window concerns it. Today is never stored (it
 * is still changing): `to` is clamped to yesterday. At most MAX_REFRESH_DAYS days.
 */
export async function refreshReconciliationDays(
  db: DbClient,
  options: { merchantId: string; from: string; to: string; now?: Date },
): Promise<ReconciliationDay[]> {
  const { merchantId, from } = options;
  const yesterday = addKenyanDays(todayInKenya(options.now ?? new Date()), -1);
  const to = earlierDay(options.to, yesterday);
  if (from > to) return [];
  const days = kenyanDaysBetween(from, to);
  if (days.length > MAX_REFRESH_DAYS)
    throw new AppError("bad_request", `Choose at most ${MAX_REFRESH_DAYS} days.`);
  // Read beside the rows, not after them: a fresh row was computed after its day ended, so what
  // changed since the first day's end covers every row that may be fresh (one round trip, not two).
  const [stored, later] = await Promise.all([
    db.reconciliationDay.findMany({
      where: { merchantId, day: { gte: new Date(`${from}T00:00:00Z`), lte: new Date(`${to}T00:00:00Z`) } },
    }),
    laterChanges(db, { merchantId, from, to, since: kenyanDayBounds(from).end }),
  ]);
  const byDay = new Map(stored.map((row) => [dateColumnDay(row.day), row]));
  // Figures stored by an older version of their schema are recomputed rather than misread.
  const fresh = (row: ReconciliationDay | undefined, day: string): row is ReconciliationDay =>
    row !== undefined &&
    !row.stale &&
    row.computedAt !== null &&
    row.computedAt >= kenyanDayBounds(day).end &&
    reconciliationFiguresSchema.safeParse(row.figures).success;
  const result: ReconciliationDay[] = [];
  for (const day of days) {
    const row = byDay.get(day);
    const upToDate = fresh(row, day) && (later.get(day) ?? 0) <= (row.computedAt?.getTime() ?? 0);
    result.push(upToDate && row ? row : await recomputeDay(db, merchantId, day));
  }
  return result;
}
