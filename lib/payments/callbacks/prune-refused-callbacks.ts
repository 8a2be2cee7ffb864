import type { DbClient } from "../../db-types";

/** Refused callbacks older than this are deleted by reconciliation. */
export const REFUSED_CALLBACK_RETENTION_DAYS = 30;
/** At most this many refused callbacks are kept per merchant (and as many for unknown merchants). */
export const REFUSED_CALLBACKS_PER_MERCHANT = 1_000;

/**
 * Keeps the record of refused callbacks bounded: rows past the retention period go, and of the
 * rest only the newest per merchant (unknown merchants counting as one). Returns how many went.
 */
export async function pruneRefusedCallbacks(db: DbClient, options: { now: Date }): Promise<number> {
  const cutoff = new Date(options.now.getTime() - REFUSED_CALLBACK_RETENTION_DAYS * 86_400_000);
  const old = await db.refusedCallback.deleteMany({ where: { receivedAt: { lt: cutoff } } });
  const excess = await db.$executeRaw`
    DELETE FROM refused_callbacks r USING (
      SELECT id, row_number() OVER (PARTITION BY merchant_id ORDER BY received_at DESC, id DESC) AS n
      FROM refused_callbacks
    ) ranked
    WHERE r.id = ranked.id AND ranked.n > ${REFUSED_CALLBACKS_PER_MERCHANT}`;
  return old.count + excess;
}
