import type { DbClient } from "../db-types";

/** Pending deliveries whose next attempt is due, of enabled endpoints, oldest first. */
export async function findDueDeliveries(
  db: DbClient,
  options: { now?: Date; limit?: number } = {},
): Promise<{ id: string; merchantId: string; endpointId: string }[]> {
  return db.webhookDelivery.findMany({
    where: {
      state: "pending",
      nextAttemptAt: { lte: options.now ?? new Date() },
      endpoint: { enabled: true },
    },
    select: { id: true, merchantId: true, endpointId: true },
    orderBy: { nextAttemptAt: "asc" },
    take: options.limit ?? 500,
  });
}
