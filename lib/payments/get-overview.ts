import type { DbClient } from "../db-types";

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

/**
 * The merchant's money at a glance. Days and weeks are Kenyan (Africa/Nairobi); one grouped query
 * over an indexed range serves the whole 30-day series.
 */
export async function getOverview(
  db: DbClient,
  options: { merchantId: string; now?: Date },
): Promise<Overview> {
  const now = options.now ?? new Date();
  const rows = await db.$queryRaw<
    { day: string; collected: bigint | null; paid: bigint; settled: bigint; total: bigint }[]
  >`
    SELECT to_char(date_trunc('day', created_at AT TIME ZONE 'Africa/Nairobi'), 'YYYY-MM-DD') AS day,
           sum(amount) FILTER (WHERE status = 'paid') AS collected,
           count(*) FILTER (WHERE status = 'paid') AS paid,
           count(*) FILTER (WHERE status <> 'pending') AS settled,
           count(*) AS total
    FROM payments
    WHERE merchant_id = ${options.merchantId}::uuid AND created_at >= ${new Date(now.getTime() - 31 * 86_400_000)}
    GROUP BY 1 ORDER BY 1`;
  const [counts] = await db.$queryRaw<{ pending: bigint; reviews: bigint }[]>`
    SELECT (SELECT count(*) FROM payments WHERE merchant_id = ${options.merchantId}::uuid AND status = 'pending') AS pending,
           (SELECT count(*) FROM review_items WHERE merchant_id = ${options.merchantId}::uuid AND status = 'open') AS reviews`;
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const kenyanDay = (d: Date) => new Date(d.getTime() + 3 * 3_600_000).toISOString().slice(0, 10);
  const daily = Array.from({ length: 30 }, (_, i) => {
    const day = kenyanDay(new Date(now.getTime() - (29 - i) * 86_400_000));
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
  const weekStart = kenyanDay(new Date(now.getTime() - 6 * 86_400_000));
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
