import { describe, expect, it } from "vitest";
import { auditHash, type ChainedFields, canonicalJson, GENESIS_HASH } from "@/lib/audit/hash";

const row: ChainedFields = {
  chain: "m1",
  seq: 1,
  merchantId: "m1",
  actorType: "user",
  actorId: "u1",
  actorLabel: "a@example.com",
  action: "auth.sign_in",
  targetType: null,
  targetId: null,
  metadata: { b: 1, a: { d: [1, 2], c: "x" } },
  ip: "10.0.0.1",
  createdAt: new Date("2026-11-24T10:00:00.123Z"),
};

describe("audit hash chain", () => {
  it("is independent of JSON key order (jsonb reorders keys)", () => {
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    const reordered = { ...row, metadata: { a: { c: "x", d: [1, 2] }, b: 1 } };
    expect(auditHash(GENESIS_HASH, reordered)).toBe(auditHash(GENESIS_HASH, row));
  });

  it("changes when any field or the previous hash changes", () => {
    const base = auditHash(GENESIS_HASH, row);
    expect(auditHash("f".repeat(64), row)).not.toBe(base);
    expect(auditHash(GENESIS_HASH, { ...row, action: "auth.sign_out" })).not.toBe(base);
    expect(auditHash(GENESIS_HASH, { ...row, metadata: { b: 2, a: { d: [1, 2], c: "x" } } })).not.toBe(base);
    expect(auditHash(GENESIS_HASH, { ...row, createdAt: new Date("2026-11-24T10:00:00.124Z") })).not.toBe(
      base,
    );
  });

  it("ignores fields outside the chained set (a stored row carries id and hashes)", () => {
    const stored = { ...row, id: 5n, hash: "x", prevHash: "y" };
    expect(auditHash(GENESIS_HASH, stored)).toBe(auditHash(GENESIS_HASH, row));
  });
});
