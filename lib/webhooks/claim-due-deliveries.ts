import { Prisma } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";

/**
 * How long a claimed delivery is kept from every other sweep. Longer than a claimed batch takes to
 * send (CLAIM_BATCH_SIZE / WEBHOOK_CONCURRENCY_PER_ENDPOINT rounds of at most a 10 s attempt each);
 * after it runs out (a crashed process) the delivery is due again.
 */
export const CLAIM_MS = 2 * 60_000;

/** At most this many due deliveries of one endpoint are claimed by one query. */
export const CLAIM_BATCH_SIZE = 24;

/**
 * A claim: the delivery's nextAttemptAt moved to `until` with `attempts` as they were. Its holder
 * alone may record a failed attempt's outcome (deliver-webhook.ts compares both).
 */
export interface DeliveryClaim {
  id: string;
  attempts: number;
  until: Date;
}

/**
 * Claims due pending deliveries of enabled endpoints in one statement: either up to `limit` of one
 * endpoint, oldest first, or one delivery by id. Rows another sweep is claiming right now are
 * skipped (SKIP LOCKED), not waited for.
 */
export async function claimDueDeliveries(
  db: DbClient,
  options: { now: Date; limit?: number } & ({ endpointId: string } | { deliveryId: string }),
): Promise<DeliveryClaim[]> {
  const until = new Date(options.now.getTime() + CLAIM_MS);
  const which =
    "endpointId" in options
      ? Prisma.sql`endpoint_id = ${options.endpointId}::uuid`
      : Prisma.sql`id = ${options.deliveryId}::uuid`;
  const rows = await db.$queryRaw<{ id: string; attempts: number }[]>`
    UPDATE webhook_deliveries d SET next_attempt_at = ${until}::timestamptz
    FROM (
      SELECT id FROM webhook_deliveries
      WHERE ${which} AND state = 'pending' AND next_attempt_at <= ${options.now}::timestamptz
        AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = endpoint_id AND e.enabled)
      ORDER BY next_attempt_at
      LIMIT ${options.limit ?? CLAIM_BATCH_SIZE}
      FOR UPDATE SKIP LOCKED
    ) due
    WHERE d.id = due.id
    RETURNING d.id::text AS id, d.attempts`;
  return rows.map((row) => ({ id: row.id, attempts: row.attempts, until }));
}

/** Enabled endpoints with at least one due delivery, the longest-waiting first. */
export async function findEndpointsWithDueDeliveries(
  db: DbClient,
  options: { now: Date },
): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    SELECT e.id::text AS id FROM webhook_endpoints e
    CROSS JOIN LATERAL (
      SELECT next_attempt_at FROM webhook_deliveries d
      WHERE d.endpoint_id = e.id AND d.state = 'pending' AND d.next_attempt_at <= ${options.now}::timestamptz
      ORDER BY next_attempt_at LIMIT 1
    ) oldest
    WHERE e.enabled
    ORDER BY oldest.next_attempt_at`;
  return rows.map((row) => row.id);
}
