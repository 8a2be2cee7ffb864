// The audit log's hash chain: each row's hash covers the previous row's hash and the row's own
// content in a canonical form (sorted keys), so reordering JSON keys in storage changes nothing
// but editing, inserting or deleting any row breaks every hash after it.
import { createHash } from "node:crypto";

export const GENESIS_HASH = "0".repeat(64);

export interface ChainedFields {
  chain: string;
  seq: number;
  merchantId: string | null;
  actorType: string;
  actorId: string | null;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  metadata: unknown;
  ip: string | null;
  createdAt: Date;
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function auditHash(prevHash: string, f: ChainedFields): string {
  // Named one by one: a stored row has more fields (id, hashes) that must not be hashed.
  const content = canonicalJson({
    chain: f.chain,
    seq: f.seq,
    merchantId: f.merchantId,
    actorType: f.actorType,
    actorId: f.actorId,
    actorLabel: f.actorLabel,
    action: f.action,
    targetType: f.targetType,
    targetId: f.targetId,
    metadata: f.metadata,
    ip: f.ip,
    createdAt: f.createdAt.toISOString(),
  });
  return createHash("sha256").update(prevHash).update("\n").update(content).digest("hex");
}
