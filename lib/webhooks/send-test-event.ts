import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { TEST_EVENT_TYPE } from "../events/event-types";
import { type DeliveryOutcome, deliverWebhook } from "./deliver-webhook";
import { getWebhookEndpointOrThrow } from "./get-webhook-endpoint";
import type { WebhookActor } from "./webhook-actor";
import type { WebhookDeps } from "./webhook-deps";

/**
 * Sends a `webhook.test` event to one endpoint now (even a disabled one), signed like any other,
 * and returns the attempt. The delivery shows in the endpoint's log and can be resent.
 */
export async function sendTestEvent(
  db: DbClient,
  deps: WebhookDeps,
  options: { merchantId: string; endpointId: string; actor: WebhookActor },
): Promise<DeliveryOutcome> {
  const now = deps.now?.() ?? new Date();
  const endpoint = await getWebhookEndpointOrThrow(db, options);
  const delivery = await createTestDelivery(db, options.merchantId, endpoint.id, now);
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: options.actor,
    action: "webhook_endpoint.test_sent",
    target: { type: "webhook_endpoint", id: endpoint.id },
    metadata: { deliveryId: delivery.id },
  });
  return deliverWebhook(db, deps, { deliveryId: delivery.id, manual: true });
}

async function createTestDelivery(db: DbClient, merchantId: string, endpointId: string, now: Date) {
  const event = await db.event.create({
    data: {
      merchantId,
      type: TEST_EVENT_TYPE,
      objectId: null,
      data: { object: "test", message: "A test event from Malipo. Nothing happened to any money." },
      createdAt: now,
    },
  });
  // Never due for the schedule: only this manual attempt (and resends) send it.
  return db.webhookDelivery.create({
    data: {
      merchantId,
      endpointId,
      eventId: event.id,
      state: "pending",
      nextAttemptAt: null,
      createdAt: now,
    },
  });
}
