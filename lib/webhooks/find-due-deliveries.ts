import type { DbClient } from "../db-types";

/**
 * Pending deliveries whose next attempt is due, of enabled endpoints: up to `perEndpoint` of each
 * endpoint (oldest first), so one endpoint's backlog cannot fill the list, and `limit` in all.
 * `nextAttemptAt` tells one due moment of a delivery from the next (Inngest event ids).
 */
export async function findDueDeliveries(
  db: DbClient,
  options: { now?: Date; perEndpoint?: number; limit?: number } = {},
): Promise<{ id: string; merchantId: string; endpointId: string; nextAttemptAt: Date }[]> {
  return db.$queryRaw`
    SELECT d.id::text AS "id", d.merchant_id::text AS "merchantId", d.endpoint_id::text AS "endpointId",
           d.next_attempt_at AS "nextAttemptAt"
    FROM webhook_endpoints e
    CROSS JOIN LATERAL (
      SELECT id, merchant_id, endpoint_id, next_attempt_at FROM webhook_deliveries
      WHERE endpoint_id = e.id AND state = 'pending' AND next_attempt_at <= ${options.now ?? new Date()}::timestamptz
      ORDER BY next_attempt_at
      LIMIT ${options.perEndpoint ?? 200}
    ) d
    WHERE e.enabled
    ORDER BY d.next_attempt_at
    LIMIT ${options.limit ?? 2000}`;
}
