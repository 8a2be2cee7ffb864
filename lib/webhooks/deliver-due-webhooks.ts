import type { DbClient } from "../db-types";
import { type DeliveryOutcome, deliverWebhook } from "./deliver-webhook";
import { findDueDeliveries } from "./find-due-deliveries";
import type { WebhookDeps } from "./webhook-deps";

/**
 * One sweep: every due delivery, a few at a time (the in-process fallback and tests; Inngest fans
 * the same list out to one function run per delivery). `onAttempt` sees each outcome (metrics).
 */
export async function deliverDueWebhooks(
  db: DbClient,
  deps: WebhookDeps,
  options: { concurrency?: number; limit?: number; onAttempt?: (outcome: DeliveryOutcome) => void } = {},
): Promise<{ attempted: number; delivered: number }> {
  const due = await findDueDeliveries(db, { now: deps.now?.() ?? new Date(), limit: options.limit });
  let next = 0;
  let attempted = 0;
  let delivered = 0;
  const worker = async () => {
    while (next < due.length) {
      const item = due[next++];
      if (!item) return;
      const outcome = await deliverWebhook(db, deps, { deliveryId: item.id });
      if (!("attempt" in outcome)) continue;
      attempted += 1;
      if (outcome.outcome === "delivered") delivered += 1;
      options.onAttempt?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  return { attempted, delivered };
}
