import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { hashApiKey } from "./api-keys";
import { type ApiScope, readScopes } from "./api-scopes";

export interface ApiCaller {
  merchantId: string;
  apiKeyId: string;
  prefix: string;
  /** What the key may do; lib/api/route.ts refuses a route whose scope is not here. */
  scopes: ApiScope[];
}

/** `Authorization: Bearer <key>` → the merchant it belongs to; revoked or unknown keys are refused. */
export async function authenticateApiKey(db: DbClient, authorization: string | null): Promise<ApiCaller> {
  const key = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1];
  if (!key) throw new AppError("unauthenticated", "Send your API key as 'Authorization: Bearer <key>'.");
  const row = await db.apiKey.findUnique({ where: { hash: hashApiKey(key) } });
  if (!row || row.revokedAt)
    throw new AppError("unauthenticated", "This API key is not valid (unknown or revoked).");
  // Written at most once a minute per key: a busy integration must not turn every read into a write.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return { merchantId: row.merchantId, apiKeyId: row.id, prefix: row.prefix, scopes: readScopes(row.scopes) };
}
