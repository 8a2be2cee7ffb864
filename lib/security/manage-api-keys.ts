import type { Role } from "../../prisma/generated/prisma/enums";
import { appendAuditLog, type UserActor } from "../audit/append-audit-log";
import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { unsafeText } from "../validation/text";
import { generateApiKey } from "./api-keys";
import { API_SCOPE_NAMES, type ApiScope, grantableScopes } from "./api-scopes";

/**
 * A new API key for the merchant. The secret is returned once and never stored or shown again.
 * Its scopes are at most what `role` (the creating member's, resolved by the server) may do in the
 * dashboard: a key must never let its creator do through the API what the dashboard refuses them.
 */
export async function createApiKey(
  db: DbClient,
  options: { merchantId: string; name: string; scopes: readonly ApiScope[]; role: Role; actor: UserActor },
) {
  const name = options.name.trim();
  if (name.length < 1 || name.length > 60)
    throw new AppError("validation_failed", "Name the key (1-60 characters).", { field: "name" });
  const unsafe = unsafeText(name);
  if (unsafe) throw new AppError("validation_failed", `The name ${unsafe}.`, { field: "name" });
  // Checked here, not only in the form: a caller that skipped zod must not store an unknown scope.
  if (options.scopes.some((scope) => !API_SCOPE_NAMES.includes(scope)))
    throw new AppError("validation_failed", "That is not a scope an API key can have.", { field: "scopes" });
  // Stored in the catalogue's order, each once, whatever order they were sent in.
  const scopes = API_SCOPE_NAMES.filter((scope) => options.scopes.includes(scope));
  if (scopes.length === 0)
    throw new AppError("validation_failed", "Choose at least one scope for the key.", { field: "scopes" });
  const grantable = grantableScopes(options.role);
  const refused = scopes.filter((scope) => !grantable.includes(scope));
  if (refused.length > 0)
    throw new AppError("validation_failed", `Your role may not grant ${refused.join(", ")}.`, {
      field: "scopes",
    });
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
      scopes,
    },
  });
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: { type: "user", ...options.actor },
    action: "apikey.created",
    target: { type: "api_key", id: row.id },
    metadata: { prefix: row.prefix, name, scopes },
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
