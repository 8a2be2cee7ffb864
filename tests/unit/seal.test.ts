import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { lookupHash, open, SealError, seal, sealedKeyId } from "@/lib/crypto/seal";

const oldSpec = generateKeyringSpec("old");
const newSpec = generateKeyringSpec("new");

describe("seal/open (AES-256-GCM)", () => {
  it("round-trips and never stores the plaintext", () => {
    const ring = parseKeyring(oldSpec);
    const sealed = seal(ring, "254712345678", "payment:phone");
    expect(sealed).not.toContain("254712345678");
    expect(sealed.startsWith("v1.old.")).toBe(true);
    expect(open(ring, sealed, "payment:phone")).toBe("254712345678");
  });

  it("uses a fresh IV each time", () => {
    const ring = parseKeyring(oldSpec);
    expect(seal(ring, "same")).not.toBe(seal(ring, "same"));
  });

  it("opens values sealed with an older key after rotation, and seals with the new one", () => {
    const before = parseKeyring(oldSpec);
    const sealed = seal(before, "passkey-123");
    const rotated = parseKeyring(`${newSpec},${oldSpec}`);
    expect(open(rotated, sealed)).toBe("passkey-123");
    expect(sealedKeyId(seal(rotated, "x"))).toBe("new");
  });

  it("fails closed on tampering, a wrong context or a missing key", () => {
    const ring = parseKeyring(oldSpec);
    const sealed = seal(ring, "secret", "merchant:a");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[3] ?? "", "base64url");
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString("base64url");
    expect(() => open(ring, parts.join("."), "merchant:a")).toThrow(SealError);
    expect(() => open(ring, sealed, "merchant:b")).toThrow(SealError);
    expect(() => open(parseKeyring(newSpec), sealed, "merchant:a")).toThrow(/not configured/);
    expect(() => open(ring, "garbage")).toThrow(SealError);
  });

  it("gives stable lookup hashes that differ from the value and per label", () => {
    const ring = parseKeyring(oldSpec);
    expect(lookupHash(ring, "254712345678")).toBe(lookupHash(ring, "254712345678"));
    expect(lookupHash(ring, "254712345678")).not.toBe(lookupHash(ring, "254712345679"));
    expect(lookupHash(ring, "254712345678", "phone")).not.toBe(lookupHash(ring, "254712345678", "email"));
  });
});

describe("parseKeyring", () => {
  it("rejects duplicate ids and bad ids", () => {
    expect(() => parseKeyring(`${oldSpec},${oldSpec}`)).toThrow(/twice/);
    expect(() => parseKeyring(`bad id:${Buffer.alloc(32).toString("base64")}`)).toThrow(/key id/);
    expect(() => parseKeyring("")).toThrow(/at least one/);
  });
});
