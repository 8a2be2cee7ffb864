// The public shape of webhook endpoints, deliveries and attempts: never the secret (only the
// create and rotate answers carry it, once).
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from "../../prisma/generated/prisma/client";

export function toWebhookEndpointResource(e: WebhookEndpoint) {
  return {
    id: e.id,
    object: "webhook_endpoint" as const,
    url: e.url,
    description: e.description,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
    disabledAt: e.disabledAt?.toISOString() ?? null,
    disabledReason: e.disabledReason,
    failureStreak: e.failureStreak,
    previousSecretExpiresAt: e.previousSecretExpiresAt?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
  };
}

export function toWebhookAttemptResource(a: WebhookAttempt) {
  return {
    id: a.id,
    attemptedAt: a.attemptedAt.toISOString(),
    statusCode: a.statusCode,
    latencyMs: a.latencyMs,
    error: a.error,
    responseExcerpt: a.responseExcerpt,
    manual: a.manual,
  };
}

export function toWebhookDeliveryResource(
  d: WebhookDelivery & { attemptLog: WebhookAttempt[]; eventType?: string | null },
) {
  return {
    id: d.id,
    object: "webhook_delivery" as const,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType ?? null,
    state: d.state as "pending" | "delivered" | "failed",
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
    attemptLog: d.attemptLog.map(toWebhookAttemptResource),
  };
}
