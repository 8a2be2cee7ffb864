import type { WebhookEndpoint } from "../../prisma/generated/prisma/client";
import { appendAuditLog } from "../audit/append-audit-log";
import { type DbClient, inTransaction } from "../db-types";
import { checkEndpointUrl } from "./create-webhook-endpoint";
import { getWebhookEndpointOrThrow } from "./get-webhook-endpoint";
import type { WebhookActor } from "./webhook-actor";
import { type UpdateWebhookEndpointInput, updateWebhookEndpointSchema } from "./webhook-endpoint-input";

/**
 * Changes an endpoint's URL, description, types or whether it is enabled. Enabling it again
 * clears the reason it was disabled and its failure streak; its pending deliveries resume.
 */
export async function updateWebhookEndpoint(
  db: DbClient,
  options: {
    production: boolean;
    merchantId: string;
    endpointId: string;
    actor: WebhookActor;
    input: UpdateWebhookEndpointInput;
    now?: Date;
  },
): Promise<WebhookEndpoint> {
  const input = updateWebhookEndpointSchema.parse(options.input);
  const url = input.url === undefined ? undefined : checkEndpointUrl(input.url, options.production);
  const now = options.now ?? new Date();
  return inTransaction(db, async (tx) => {
    const endpoint = await getWebhookEndpointOrThrow(tx, options);
    const enabling = input.enabled === true && !endpoint.enabled;
    const disabling = input.enabled === false && endpoint.enabled;
    const updated = await tx.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: {
        ...(url !== undefined ? { url } : {}),
        ...(input.description !== undefined ? { description: input.description ?? null } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: input.eventTypes } : {}),
        ...(enabling ? { enabled: true, disabledAt: null, disabledReason: null, failureStreak: 0 } : {}),
        ...(disabling ? { enabled: false, disabledAt: now, disabledReason: "Disabled by a person." } : {}),
      },
    });
    if (enabling) {
      // Deliveries that came due while it was off go out now rather than at their old times.
      await tx.webhookDelivery.updateMany({
        where: { endpointId: endpoint.id, state: "pending", nextAttemptAt: { lt: now } },
        data: { nextAttemptAt: now },
      });
    }
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: options.actor,
      action: "webhook_endpoint.updated",
      target: { type: "webhook_endpoint", id: endpoint.id },
      metadata: {
        ...(url !== undefined ? { url, previousUrl: endpoint.url } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: input.eventTypes } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    });
    return updated;
  });
}
