// Encryption keys for data at rest. Each stored value names the key that sealed it, so keys
// can rotate: put the new key first, keep the old ones after it until data is re-encrypted.
import { randomBytes } from "node:crypto";

export interface Keyring {
  /** Key that encrypts new values. */
  active: { id: string; key: Buffer };
  /** Every key that may decrypt, by id. */
  byId: ReadonlyMap<string, Buffer>;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `id:base64[,id:base64…]` (each key exactly 32 bytes); the first entry is active. */
export function parseKeyring(spec: string): Keyring {
  const entries = spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error("needs at least one key as keyId:base64key");
  const byId = new Map<string, Buffer>();
  for (const entry of entries) {
    const sep = entry.indexOf(":");
    const id = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), "base64");
    if (sep < 1 || !KEY_ID.test(id))
      throw new Error(`key id in "${id || entry.slice(0, 8)}…" must be 1-32 of A-Z a-z 0-9 _ -`);
    if (key.length !== 32)
      throw new Error(`key "${id}" must be 32 bytes of base64 (openssl rand -base64 32)`);
    if (byId.has(id)) throw new Error(`key id "${id}" appears twice`);
    byId.set(id, key);
  }
  const [firstId] = byId.keys();
  const active = firstId === undefined ? undefined : byId.get(firstId);
  if (firstId === undefined || !active) throw new Error("needs at least one key");
  return { active: { id: firstId, key: active }, byId };
}

/** A fresh keyring spec with one random key, for local development defaults. */
export function generateKeyringSpec(
  id = `k${new Date().toISOString().slice(0, 10).replaceAll("-", "")}`,
): string {
  return `${id}:${randomBytes(32).toString("base64")}`;
}
