import type { DbClient } from "../../db-types";
import { computeReconciliationDay } from "./compute-reconciliation-day";
import { type ReconciliationDayView, viewOfLiveDay, viewOfStoredDay } from "./reconciliation-day-view";
import { kenyanDayBounds, todayInKenya } from "./reconciliation-figures";
import { refreshReconciliationDays } from "./refresh-reconciliation-days";
import { REVIEW_ITEM_DAY, REVIEW_ITEM_SOURCES } from "./review-item-day";

export interface ReconciliationDayDetail extends ReconciliationDayView {
  /** Every review item of the day (open ones first), newest first within each. */
  items: {
    id: string;
    kind: string;
    status: string;
    createdAt: Date;
    resolvedAt: Date | null;
    note: string | null;
  }[];
  /** M-Pesa's record lines of the day by source, direction and entry, and how many are matched. */
  mpesaRecords: {
    source: string;
    direction: "in" | "out";
    entry: string;
    count: number;
    amountCents: number;
    matched: number;
  }[];
  /** Pull and statement windows that overlap the day. */
  windows: { kind: string; start: Date; end: Date; finishedAt: Date | null; error: string | null }[];
}

/** One day with its breakdown, review items and M-Pesa record summary; null for a future day. */
export async function getReconciliationDay(
  db: DbClient,
  options: { merchantId: string; day: string; now?: Date },
): Promise<ReconciliationDayDetail | null> {
  const { merchantId, day } = options;
  const now = options.now ?? new Date();
  const today = todayInKenya(now);
  if (day > today) return null;
  let view: ReconciliationDayView;
  if (day === today) view = viewOfLiveDay(await computeReconciliationDay(db, { merchantId, day }));
  else {
    const [row] = await refreshReconciliationDays(db, { merchantId, from: day, to: day, now });
    if (!row) return null;
    view = viewOfStoredDay(row);
  }
  const { start, end } = kenyanDayBounds(day);
  const [items, records, windows] = await Promise.all([
    db.$queryRaw<ReconciliationDayDetail["items"]>`
      SELECT r.id, r.kind::text AS kind, r.status::text AS status, r.created_at AS "createdAt",
             r.resolved_at AS "resolvedAt", r.note
      FROM ${REVIEW_ITEM_SOURCES}
      WHERE r.merchant_id = ${merchantId}::uuid AND ${REVIEW_ITEM_DAY} = ${day}
      ORDER BY (r.status = 'open') DESC, r.created_at DESC
      LIMIT 500`,
    db.$queryRaw<
      {
        source: string;
        direction: "in" | "out";
        entry: string;
        count: bigint;
        cents: bigint | null;
        matched: bigint;
      }[]
    >`
      SELECT source::text AS source, direction, entry, count(*) AS count, sum(amount_cents) AS cents,
             count(*) FILTER (WHERE payment_id IS NOT NULL OR c2b_transaction_id IS NOT NULL
                                 OR payout_id IS NOT NULL OR reversal_id IS NOT NULL) AS matched
      FROM mpesa_records WHERE merchant_id = ${merchantId}::uuid AND day = ${day}::date
      GROUP BY source, direction, entry ORDER BY source, direction, entry`,
    db.reconciliationRun.findMany({
      where: {
        merchantId,
        kind: { in: ["pull", "statement"] },
        windowStart: { lt: end },
        windowEnd: { gt: start },
      },
      orderBy: { startedAt: "desc" },
      take: 20,
    }),
  ]);
  return {
    ...view,
    items,
    mpesaRecords: records.map((r) => ({
      source: r.source,
      direction: r.direction,
      entry: r.entry,
      count: Number(r.count),
      amountCents: Number(r.cents ?? 0),
      matched: Number(r.matched),
    })),
    windows: windows.flatMap((w) =>
      w.windowStart && w.windowEnd
        ? [{ kind: w.kind, start: w.windowStart, end: w.windowEnd, finishedAt: w.finishedAt, error: w.error }]
        : [],
    ),
  };
}
