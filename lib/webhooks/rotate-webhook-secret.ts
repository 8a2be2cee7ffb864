import type { WebhookEndpoint } from "../../prisma/generated/prisma/client";
import { appendAuditLog } from "../audit/append-audit-log";
import type { Keyring } from "../crypto/keyring";
import { type DbClient, inTransaction } from "../db-types";
import { getWebhookEndpointOrThrow } from "./get-webhook-endpoint";
import type { WebhookActor } from "./webhook-actor";
import { generateWebhookSecret, ROTATION_OVERLAP_MS, sealWebhookSecret } from "./webhook-secret";

/**
 * Gives an endpoint a new secret, returned once. For ROTATION_OVERLAP_MS the old one keeps signing
 * too (a second v1 in Malipo-Signature), so the receiver can switch without refusing anything.
 */
export async function rotateWebhookSecret(
  db: DbClient,
  options: { keyring: Keyring; merchantId: string; endpointId: string; actor: WebhookActor; now?: Date },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const now = options.now ?? new Date();
  const secret = generateWebhookSecret();
  return inTransaction(db, async (tx) => {
    const current = await getWebhookEndpointOrThrow(tx, options);
    const endpoint = await tx.webhookEndpoint.update({
      where: { id: current.id },
      data: {
        secretSealed: sealWebhookSecret(options.keyring, secret),
        previousSecretSealed: current.secretSealed,
        previousSecretExpiresAt: new Date(now.getTime() + ROTATION_OVERLAP_MS),
      },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: options.actor,
      action: "webhook_endpoint.secret_rotated",
      target: { type: "webhook_endpoint", id: current.id },
      metadata: { previousSecretExpiresAt: endpoint.previousSecretExpiresAt?.toISOString() },
    });
    return { endpoint, secret };
  });
}
