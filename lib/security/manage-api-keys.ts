import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { unsafeText } from "../validation/text";
import { generateApiKey } from "./api-keys";

/** A new API key for the merchant. The secret is returned once and never stored or shown again. */
export async function createApiKey(
  db: DbClient,
  options: { merchantId: string; name: string; actor: UserActor },
) {
  const name = options.name.trim();
  if (name.length < 1 || name.length > 60)
    throw new AppError("validation_failed", "Name the key (1-60 characters).", { field: "name" });
  const unsafe = unsafeText(name);
  if (unsafe) throw new AppError("validation_failed", `The name ${unsafe}.`, { field: "name" });
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
  options: { merchantId: string; apiKeyId: string; actor: UserActor },
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
