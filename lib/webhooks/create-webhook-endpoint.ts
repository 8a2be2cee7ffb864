import type { WebhookEndpoint } from "../../prisma/generated/prisma/client";
import { appendAuditLog } from "../audit/append-audit-log";
import type { Keyring } from "../crypto/keyring";
import { type DbClient, inTransaction } from "../db-types";
import { AppError } from "../errors";
import { assertAllowedUrl, UnsafeTargetError } from "./safe-target";
import type { WebhookActor } from "./webhook-actor";
import {
  type CreateWebhookEndpointInput,
  createWebhookEndpointSchema,
  MAX_WEBHOOK_ENDPOINTS,
} from "./webhook-endpoint-input";
import { generateWebhookSecret, sealWebhookSecret } from "./webhook-secret";

/** Refuses a URL webhooks may not use here (https only and public addresses in production). */
export function checkEndpointUrl(url: string, production: boolean): string {
  try {
    return assertAllowedUrl(url, { production }).toString();
  } catch (error) {
    if (error instanceof UnsafeTargetError)
      throw new AppError("validation_failed", error.message, { field: "url" });
    throw error;
  }
}

/**
 * Adds a webhook endpoint for the merchant. The secret is returned here and never again (it is
 * stored sealed); a lost secret is replaced by rotating it.
 */
export async function createWebhookEndpoint(
  db: DbClient,
  options: {
    keyring: Keyring;
    production: boolean;
    merchantId: string;
    actor: WebhookActor;
    input: CreateWebhookEndpointInput;
  },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const input = createWebhookEndpointSchema.parse(options.input);
  const url = checkEndpointUrl(input.url, options.production);
  const secret = generateWebhookSecret();
  return inTransaction(db, async (tx) => {
    const count = await tx.webhookEndpoint.count({ where: { merchantId: options.merchantId } });
    if (count >= MAX_WEBHOOK_ENDPOINTS)
      throw new AppError(
        "conflict",
        `A merchant can have at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints.`,
      );
    const endpoint = await tx.webhookEndpoint.create({
      data: {
        merchantId: options.merchantId,
        url,
        description: input.description ?? null,
        eventTypes: input.eventTypes,
        secretSealed: sealWebhookSecret(options.keyring, secret),
        createdById: options.actor.type === "user" ? (options.actor.id ?? null) : null,
      },
    });
    await appendAuditLog(tx, {
      merchantId: options.merchantId,
      actor: options.actor,
      action: "webhook_endpoint.created",
      target: { type: "webhook_endpoint", id: endpoint.id },
      metadata: { url, eventTypes: input.eventTypes },
    });
    return { endpoint, secret };
  });
}
