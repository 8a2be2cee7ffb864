import { Prisma, type WebhookAttempt } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";
import { uuidV7 } from "../ids";
import type { DeliveryClaim } from "./claim-due-deliveries";

/**
 * A scheduled attempt's record in one statement (the sweep's hot path: no transaction's round
 * trips): the attempt row, and the delivery either delivered (unless it already was) or, while
 * `claim` still holds it, rescheduled for `retryAt`. `written` is false when the delivery's
 * outcome was not this attempt's to write (already delivered, or claimed since by another).
 */
export async function recordClaimedAttempt(
  db: DbClient,
  options: {
    claim: DeliveryClaim;
    attempt: Omit<WebhookAttempt, "id" | "manual">;
    outcome: { delivered: true } | { delivered: false; retryAt: Date };
  },
): Promise<{ attempt: WebhookAttempt; written: boolean }> {
  const { claim, attempt: a } = options;
  const id = uuidV7();
  const write = options.outcome.delivered
    ? Prisma.sql`
        UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ${a.attemptedAt}::timestamptz,
          state = 'delivered', delivered_at = ${a.attemptedAt}::timestamptz, next_attempt_at = NULL
        WHERE id = ${claim.id}::uuid AND state <> 'delivered' RETURNING id`
    : Prisma.sql`
        UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ${a.attemptedAt}::timestamptz,
          next_attempt_at = ${options.outcome.retryAt}::timestamptz
        WHERE id = ${claim.id}::uuid AND state = 'pending' AND attempts = ${claim.attempts}
          AND next_attempt_at = ${claim.until}::timestamptz RETURNING id`;
  const [row] = await db.$queryRaw<{ written: number }[]>`
    WITH attempt AS (
      INSERT INTO webhook_attempts (id, merchant_id, delivery_id, endpoint_id, attempted_at, status_code,
        latency_ms, error, response_excerpt, manual)
      VALUES (${id}::uuid, ${a.merchantId}::uuid, ${a.deliveryId}::uuid, ${a.endpointId}::uuid,
        ${a.attemptedAt}::timestamptz, ${a.statusCode}::int, ${a.latencyMs}::int, ${a.error}, ${a.responseExcerpt}, false)
    ), outcome AS (${write})
    SELECT count(*)::int AS written FROM outcome`;
  // A delivered one already delivered still counts the attempt.
  if (options.outcome.delivered && !row?.written)
    await db.$executeRaw`
      UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ${a.attemptedAt}::timestamptz
      WHERE id = ${claim.id}::uuid`;
  return { attempt: { id, ...a, manual: false }, written: (row?.written ?? 0) > 0 };
}
