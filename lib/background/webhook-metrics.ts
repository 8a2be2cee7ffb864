// Counts webhook attempts in the Prometheus metrics (lib/observability/metrics.ts), from the
// Inngest functions and the in-process sweep alike.
import { webhookDeliveries, webhookLatency } from "../observability/metrics";
import type { DeliveryOutcome } from "../webhooks/deliver-webhook";

export function countWebhookAttempt(result: DeliveryOutcome): void {
  if (!("attempt" in result)) return;
  const outcome = result.outcome === "delivered" ? "delivered" : result.refused ? "refused" : "failed";
  webhookDeliveries.inc({ outcome });
  webhookLatency.observe({ outcome }, result.attempt.latencyMs / 1000);
}
