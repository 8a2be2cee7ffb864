import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { isUuid } from "../validation/id";
import { type DeliveryOutcome, deliverWebhook } from "./deliver-webhook";
import type { WebhookActor } from "./webhook-actor";
import type { WebhookDeps } from "./webhook-deps";

/** A person sends one delivery again now, whatever its state; the attempt is logged as manual. */
export async function resendWebhookDelivery(
  db: DbClient,
  deps: WebhookDeps,
  options: { merchantId: string; deliveryId: string; actor: WebhookActor },
): Promise<DeliveryOutcome> {
  const delivery = isUuid(options.deliveryId)
    ? await db.webhookDelivery.findFirst({
        where: { id: options.deliveryId, merchantId: options.merchantId },
      })
    : null;
  if (!delivery) throw new AppError("not_found", "No delivery with this id.");
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: options.actor,
    action: "webhook_delivery.resent",
    target: { type: "webhook_delivery", id: delivery.id },
    metadata: { endpointId: delivery.endpointId, eventId: delivery.eventId },
  });
  return deliverWebhook(db, deps, { deliveryId: delivery.id, manual: true });
}
