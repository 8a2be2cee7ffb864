import type { DbClient } from "../../db-types";

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

const DAY_MS = 86_400_000;
/** Africa/Nairobi is UTC+3 all year (no daylight saving), so a Kenyan day is a fixed 24-hour range. */
const NAIROBI_OFFSET_MS = 3 * 3_600_000;

/**
 * The merchant's money at a glance. Days and weeks are Kenyan (Africa/Nairobi). Each of the 30 days
 * is one range of the (merchant_id, created_at, id, status, amount) index, read index-only: no table
 * rows and no sort of the month's payments, so the figures stay exact and live without a rollup.
 */
export async function getOverview(
  db: DbClient,
  options: { merchantId: string; now?: Date },
): Promise<Overview> {
  const now = options.now ?? new Date();
  const todayStart = new Date(
    Math.floor((now.getTime() + NAIROBI_OFFSET_MS) / DAY_MS) * DAY_MS - NAIROBI_OFFSET_MS,
  );
  const firstDayStart = new Date(todayStart.getTime() - 29 * DAY_MS);
  const rows = await db.$queryRaw<
    { day: string; collected: bigint | null; paid: bigint; settled: bigint; total: bigint }[]
  >`
    SELECT to_char(d.start AT TIME ZONE 'Africa/Nairobi', 'YYYY-MM-DD') AS day, a.*
    FROM generate_series(${firstDayStart}::timestamptz, ${todayStart}::timestamptz, interval '24 hours') AS d(start)
    CROSS JOIN LATERAL (
      SELECT sum(amount) FILTER (WHERE status = 'paid') AS collected,
             count(*) FILTER (WHERE status = 'paid') AS paid,
             count(*) FILTER (WHERE status <> 'pending') AS settled,
             count(*) AS total
      FROM payments
      WHERE merchant_id = ${options.merchantId}::uuid
        AND created_at >= d.start AND created_at < d.start + interval '24 hours'
    ) AS a`;
  const [counts] = await db.$queryRaw<{ pending: bigint; reviews: bigint }[]>`
    SELECT (SELECT count(*) FROM payments WHERE merchant_id = ${options.merchantId}::uuid AND status = 'pending') AS pending,
           (SELECT count(*) FROM review_items WHERE merchant_id = ${options.merchantId}::uuid AND status = 'open') AS reviews`;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const kenyanDay = (d: Date) => new Date(d.getTime() + NAIROBI_OFFSET_MS).toISOString().slice(0, 10);
  const daily = Array.from({ length: 30 }, (_, i) => {
    const day = kenyanDay(new Date(now.getTime() - (29 - i) * DAY_MS));
    const r = byDay.get(day);
    return {
      day,
      collected: Number(r?.collected ?? 0),
      paid: Number(r?.paid ?? 0),
      settled: Number(r?.settled ?? 0),
    };
  });
  const sum = (days: typeof rows) => ({
    collected: days.reduce((n, r) => n + Number(r.collected ?? 0), 0),
    payments: days.reduce((n, r) => n + Number(r.total), 0),
  });
  const today = kenyanDay(now);
  const weekStart = kenyanDay(new Date(now.getTime() - 6 * DAY_MS));
  const paid = daily.reduce((n, d) => n + d.paid, 0);
  const settled = daily.reduce((n, d) => n + d.settled, 0);
  return {
    today: sum(rows.filter((r) => r.day === today)),
    week: sum(rows.filter((r) => r.day >= weekStart)),
    successRate: settled === 0 ? null : paid / settled,
    pending: Number(counts?.pending ?? 0),
    openReviews: Number(counts?.reviews ?? 0),
    daily,
  };
}
