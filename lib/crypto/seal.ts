// AES-256-GCM encryption at rest for secrets and phone numbers, plus keyed lookup hashes.
// Sealed format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The associated data
// binds a value to its purpose (e.g. "merchant:<id>:passkey") so a sealed value copied into
// another column or row fails to open instead of decrypting silently.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { Keyring } from "./keyring";

const VERSION = "v1";

export class SealError extends Error {
  override name = "SealError";
}

export function seal(keyring: Keyring, plaintext: string, context = ""): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyring.active.key, iv);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    VERSION,
    keyring.active.id,
    iv.toString("base64url"),
    body.toString("base64url"),
    tag.toString("base64url"),
  ].join(".");
}

export function open(keyring: Keyring, sealed: string, context = ""): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SealError("not a sealed value");
  const [, keyId = "", iv = "", body = "", tag = ""] = parts;
  const key = keyring.byId.get(keyId);
  if (!key) throw new SealError(`sealed with key "${keyId}", which is not configured`);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new SealError("sealed value failed authentication (wrong key, context or tampered)");
  }
}

/** Id of the key that sealed a value, so a rotation job can find values still on an old key. */
export function sealedKeyId(sealed: string): string | undefined {
  return sealed.split(".")[1];
}

/**
 * Deterministic keyed hash for equality lookups on encrypted columns (e.g. find payments by
 * phone). Derived from the active key with a label, so it never reuses the encryption key.
 * Note: it changes when the active key rotates; lookups must then re-hash stored values.
 */
export function lookupHash(keyring: Keyring, value: string, label = "lookup"): string {
  const derived = createHmac("sha256", keyring.active.key).update(`malipo:${label}`).digest();
  return createHmac("sha256", derived).update(value).digest("base64url");
}
