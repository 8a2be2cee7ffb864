// Merchant API keys: `mlp_<live|test>_<id>_<secret>`. A key carries 190 bits of randomness, so a
// plain SHA-256 (not a slow password hash) is the right way to store it and lookups stay O(1).
import { createHash, randomBytes } from "node:crypto";
import type { MpesaEnvironment } from "../../prisma/generated/prisma/enums";

const OWN_FORMAT = /^(mlp_(?:live|test)_[a-z0-9]{8})_[A-Za-z0-9_-]{32}$/;
const ACCEPTABLE = /^[A-Za-z0-9_.-]{24,128}$/;

export interface ApiKeyMaterial {
  /** Shown once to the merchant, never stored. */
  key: string;
  /** Visible identifier, safe to display and log. */
  prefix: string;
  hash: string;
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(environment: MpesaEnvironment): ApiKeyMaterial {
  const mode = environment === "production" ? "live" : "test";
  const id = randomBytes(6).toString("hex").slice(0, 8);
  return importApiKey(`mlp_${mode}_${id}_${randomBytes(24).toString("base64url")}`);
}

/**
 * Material for a key chosen outside Malipo (DEMO_API_KEY, so scripts can use a known key).
 * Throws when the key is too short or has characters that would need escaping in a header.
 * The prefix (unique in the database) is the key's start plus 8 hex digits of its hash: two
 * custom keys sharing their first characters still get different prefixes (as unlikely to clash
 * as two generated keys' 8-character ids).
 */
export function importApiKey(key: string): ApiKeyMaterial {
  if (!ACCEPTABLE.test(key)) {
    throw new Error("an API key must be 24-128 characters of A-Z a-z 0-9 _ . -");
  }
  const hash = hashApiKey(key);
  const prefix = OWN_FORMAT.exec(key)?.[1] ?? `${key.slice(0, 8)}…${hash.slice(0, 8)}`;
  return { key, prefix, hash };
}
