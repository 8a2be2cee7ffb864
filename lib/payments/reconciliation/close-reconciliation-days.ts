import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { viewOfStoredDay } from "./reconciliation-day-view";
import { addKenyanDays, dateColumnDay, todayInKenya } from "./reconciliation-figures";
import { refreshReconciliationDays } from "./refresh-reconciliation-days";

/** Stale days recomputed per run at most; the rest wait for the next run or the next read. */
export const MAX_DAYS_PER_CLOSE = 500;

/**
 * Shortly after Kenyan midnight: computes yesterday for every active merchant (so the Overview and
 * the Reconciliation page read it instead of counting it) and recomputes days that triggers marked
 * stale, oldest first, up to MAX_DAYS_PER_CLOSE. Returns how many days it brought up to date.
 */
export async function closeReconciliationDays(
  db: DbClient,
  options: { now?: Date } = {},
): Promise<{ merchants: number; days: number }> {
  const now = options.now ?? new Date();
  const yesterday = addKenyanDays(todayInKenya(now), -1);
  const [merchants, stale] = await Promise.all([
    db.merchant.findMany({ select: { id: true } }),
    db.reconciliationDay.findMany({
      where: { stale: true, day: { lt: new Date(`${yesterday}T00:00:00Z`) } },
      select: { merchantId: true, day: true },
      orderBy: { day: "asc" },
      take: MAX_DAYS_PER_CLOSE,
    }),
  ]);
  let days = 0;
  for (const merchant of merchants) {
    const closed = await refreshReconciliationDays(db, {
      merchantId: merchant.id,
      from: yesterday,
      to: yesterday,
      now,
    });
    for (const row of closed) await recordDayClosed(db, row, now);
    days += 1;
  }
  for (const row of stale) {
    const day = dateColumnDay(row.day);
    await refreshReconciliationDays(db, {
      merchantId: row.merchantId,
      from: day,
      to: day,
      now,
    });
    days += 1;
  }
  return { merchants: merchants.length, days };
}

/**
 * One reconciliation.day_closed event per merchant and day: a second close of the same day (a
 * restart runs the close again) finds the event and records nothing.
 */
async function recordDayClosed(
  db: DbClient,
  row: Parameters<typeof viewOfStoredDay>[0],
  now: Date,
): Promise<void> {
  const view = viewOfStoredDay(row);
  const lock = `day_closed:${row.merchantId}:${view.day}`;
  await inTransaction(db, async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lock}, 0))`;
    const seen = await tx.event.findFirst({
      where: { merchantId: row.merchantId, type: "reconciliation.day_closed", objectId: view.day },
      select: { id: true },
    });
    if (seen) return;
    await recordEvent(tx, {
      merchantId: row.merchantId,
      type: "reconciliation.day_closed",
      objectId: view.day,
      data: {
        object: "reconciliation_day",
        day: view.day,
        state: view.state,
        figures: view.figures,
        fingerprint: view.fingerprint,
        computedAt: view.computedAt?.toISOString() ?? null,
      },
      now,
    });
  });
}
