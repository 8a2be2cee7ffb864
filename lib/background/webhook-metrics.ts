// Observes webhook attempts, from the Inngest functions and the in-process sweep alike: counted in
// the Prometheus metrics (lib/observability/metrics.ts) and recorded as a finished span under the
// active trace (lib/observability/tracing.ts) with ids only: never the URL (its query string may
// carry a receiver's token), the secret, the signature or the body.
import { webhookDeliveries, webhookLatency } from "../observability/metrics";
import { recordFinishedSpan } from "../observability/tracing";
import type { DeliveryOutcome } from "../webhooks/deliver-webhook";

export function countWebhookAttempt(result: DeliveryOutcome): void {
  if (!("attempt" in result)) return;
  const { attempt, event } = result;
  const outcome = result.outcome === "delivered" ? "delivered" : result.refused ? "refused" : "failed";
  webhookDeliveries.inc({ outcome });
  webhookLatency.observe({ outcome }, attempt.latencyMs / 1000);
  recordFinishedSpan("webhook attempt", {
    start: attempt.attemptedAt,
    durationMs: attempt.latencyMs,
    // A fixed phrase, not attempt.error: that may name the host.
    error:
      outcome === "delivered"
        ? null
        : attempt.statusCode === null
          ? `no answer (${outcome})`
          : `HTTP ${attempt.statusCode}`,
    attributes: {
      "malipo.event_id": event.id,
      "malipo.event_type": event.type,
      "malipo.webhook_endpoint_id": attempt.endpointId,
      "malipo.webhook_delivery_id": attempt.deliveryId,
      "malipo.webhook.outcome": result.outcome,
      "malipo.webhook.manual": attempt.manual,
      ...(attempt.statusCode === null ? {} : { "http.response.status_code": attempt.statusCode }),
    },
  });
}
