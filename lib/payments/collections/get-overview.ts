import type { DbClient } from "../../db-types";
import { type DisplayCache, displayCache } from "../../display-cache";
import {
  addKenyanDays,
  kenyanDayBounds,
  reconciliationFiguresSchema,
  todayInKenya,
} from "../reconciliation/reconciliation-figures";
import { refreshReconciliationDays } from "../reconciliation/refresh-reconciliation-days";
import { overviewFiguresOf, sumPaymentsOfDay } from "../reconciliation/sum-payments-of-day";

export interface Overview {
  today: { collected: number; payments: number };
  week: { collected: number; payments: number };
  /** Paid among settled attempts over the last 30 days (0-1), null when none settled. */
  successRate: number | null;
  pending: number;
  openReviews: number;
  /** One entry per Kenyan day, oldest first, for the last 30 days. */
  daily: { day: string; collected: number; paid: number; settled: number }[];
}

const overviewPart = reconciliationFiguresSchema.pick({ day: true, payments: true });

type DayFigures = ReturnType<typeof overviewFiguresOf>;

/**
 * The 29 past days' figures as the Overview shows them, per merchant and Kenyan day, reused for
 * 15 s by the Overview page and its live figures (pass it as `pastDays`). Checking those days
 * against the rollup is 4 statements and 29 rows to validate, about 4 ms of CPU on every load
 * and every 15 s poll, for days that seldom change; today is always counted live. A past day that
 * does change (a late callback, a review decided) shows within 15 s; the Reconciliation page
 * reads the rollup fresh.
 */
export const overviewPastDays: DisplayCache<[string, DayFigures][]> = displayCache({ ttlMs: 15_000 });

/**
 * The merchant's money at a glance. Days and weeks are Kenyan (Africa/Nairobi). The 29 past days
 * come from the reconciliation days rollup (a day a trigger marked stale is recomputed first, one
 * day's index range each), and only today is counted live, so the cost no longer grows with the
 * month's volume. Payment attempts count on the day they were started.
 */
export async function getOverview(
  db: DbClient,
  options: { merchantId: string; now?: Date; pastDays?: typeof overviewPastDays },
): Promise<Overview> {
  const now = options.now ?? new Date();
  const { merchantId } = options;
  const today = todayInKenya(now);
  const firstDay = addKenyanDays(today, -29);
  const loadPast = async (): Promise<[string, DayFigures][]> => {
    const rows = await refreshReconciliationDays(db, {
      merchantId,
      from: firstDay,
      to: addKenyanDays(today, -1),
      now,
    });
    return rows.map((row) => {
      const figures = overviewPart.parse(row.figures);
      return [figures.day, overviewFiguresOf(figures.payments)];
    });
  };
  const [past, todayByStatus, [counts]] = await Promise.all([
    options.pastDays ? options.pastDays.get(`${merchantId}:${today}`, loadPast) : loadPast(),
    sumPaymentsOfDay(db, { merchantId, ...kenyanDayBounds(today) }),
    db.$queryRaw<{ pending: bigint; reviews: bigint }[]>`
      SELECT (SELECT count(*) FROM payments WHERE merchant_id = ${merchantId}::uuid AND status = 'pending') AS pending,
             (SELECT count(*) FROM review_items WHERE merchant_id = ${merchantId}::uuid AND status = 'open') AS reviews`,
  ]);
  const figuresByDay = new Map(past);
  figuresByDay.set(today, overviewFiguresOf(todayByStatus));
  const days = Array.from({ length: 30 }, (_, i) => {
    const day = addKenyanDays(firstDay, i);
    return { day, ...(figuresByDay.get(day) ?? { collected: 0, paid: 0, settled: 0, total: 0 }) };
  });
  const sum = (list: typeof days) => ({
    collected: list.reduce((n, d) => n + d.collected, 0),
    payments: list.reduce((n, d) => n + d.total, 0),
  });
  const weekStart = addKenyanDays(today, -6);
  const paid = days.reduce((n, d) => n + d.paid, 0);
  const settled = days.reduce((n, d) => n + d.settled, 0);
  return {
    today: sum(days.filter((d) => d.day === today)),
    week: sum(days.filter((d) => d.day >= weekStart)),
    successRate: settled === 0 ? null : paid / settled,
    pending: Number(counts?.pending ?? 0),
    openReviews: Number(counts?.reviews ?? 0),
    daily: days.map(({ day, collected, paid, settled }) => ({ day, collected, paid, settled })),
  };
}
