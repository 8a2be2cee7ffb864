import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { getWebhookEndpointOrThrow } from "./get-webhook-endpoint";
import type { WebhookActor } from "./webhook-actor";

/** Deletes an endpoint with its deliveries and attempts (the events themselves stay). */
export async function deleteWebhookEndpoint(
  db: DbClient,
  options: { merchantId: string; endpointId: string; actor: WebhookActor },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const endpoint = await getWebhookEndpointOrThrow(tx, options);
    await tx.webhookAttempt.deleteMany({ where: { endpointId: endpoint.id } });
    await tx.webhookDelivery.deleteMany({ where: { endpointId: endpoint.id } });
    await tx.webhookEndpoint.delete({ where: { id: endpoint.id } });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: options.actor,
      action: "webhook_endpoint.deleted",
      target: { type: "webhook_endpoint", id: endpoint.id },
      metadata: { url: endpoint.url },
    });
  });
}
