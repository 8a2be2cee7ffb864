import { appendAuditLog } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { generateApiKey } from "./api-keys";

type Actor = { id: string; label: string };

/** A new API key for the merchant. The secret is returned once and never stored or shown again. */
export async function createApiKey(
  db: DbClient,
  options: { merchantId: string; name: string; actor: Actor },
) {
  const name = options.name.trim();
  if (name.length < 1 || name.length > 60)
    throw new AppError("validation_failed", "Name the key (1-60 characters).", { field: "name" });
  const merchant = await db.merchant.findUniqueOrThrow({
    where: { id: options.merchantId },
    select: { environment: true },
  });
  const material = generateApiKey(merchant.environment);
  const row = await db.apiKey.create({
    data: {
      merchantId: options.merchantId,
      name,
      prefix: material.prefix,
      hash: material.hash,
      createdById: options.actor.id,
    },
  });
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: { type: "user", ...options.actor },
    action: "apikey.created",
    target: { type: "api_key", id: row.id },
    metadata: { prefix: row.prefix, name },
  });
  return { key: material.key, apiKey: row };
}

export async function revokeApiKey(
  db: DbClient,
  options: { merchantId: string; apiKeyId: string; actor: Actor },
) {
  const revoked = await db.apiKey.updateMany({
    where: { id: options.apiKeyId, merchantId: options.merchantId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (revoked.count === 0) throw new AppError("not_found", "No active API key with this id.");
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: { type: "user", ...options.actor },
    action: "apikey.revoked",
    target: { type: "api_key", id: options.apiKeyId },
  });
}
