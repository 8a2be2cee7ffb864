import type { ActorType, AuditLog, Prisma } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";
import { inTransaction } from "../db-types";
import { redact } from "../redact";
import { auditHash, GENESIS_HASH } from "./hash";

export const GLOBAL_CHAIN = "global";

/** A signed-in user acting through the dashboard, as core operations take them (tenant.actor). */
export interface UserActor {
  id: string;
  label: string;
  /** The request's client IP (lib/security/client-ip.ts): recorded on the rows they cause. */
  ip?: string | null;
}

export interface AuditEntry {
  /** Null for events outside any merchant (e.g. a failed sign-in for an unknown email). */
  merchantId?: string | null;
  actor: { type: ActorType; id?: string | null; label?: string | null; ip?: string | null };
  /** Dotted verb, e.g. `auth.sign_in`, `auth.sign_in_failed`, `apikey.revoked`. */
  action: string;
  target?: { type: string; id: string } | null;
  metadata?: Record<string, unknown>;
  /** Where the request came from; the actor's IP when not given. */
  ip?: string | null;
}

/**
 * Appends one row to the merchant's (or the global) hash chain. Appends to one chain are
 * serialised with a transaction-scoped advisory lock so two writers can never fork it.
 * Metadata is redacted first: audit rows must not carry secrets or full phone numbers.
 */
export function appendAuditLog(db: DbClient, entry: AuditEntry): Promise<AuditLog> {
  const chain = entry.merchantId ?? GLOBAL_CHAIN;
  return inTransaction(db, async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${chain}`}, 0))`;
    const last = await tx.auditLog.findFirst({
      where: { chain },
      orderBy: { seq: "desc" },
      select: { seq: true, hash: true },
    });
    const fields = {
      chain,
      seq: (last?.seq ?? 0) + 1,
      merchantId: entry.merchantId ?? null,
      actorType: entry.actor.type,
      actorId: entry.actor.id ?? null,
      actorLabel: entry.actor.label ?? null,
      action: entry.action,
      targetType: entry.target?.type ?? null,
      targetId: entry.target?.id ?? null,
      metadata: (redact(entry.metadata ?? {}) ?? {}) as Prisma.InputJsonObject,
      ip: entry.ip ?? entry.actor.ip ?? null,
      createdAt: new Date(),
    };
    const prevHash = last?.hash ?? GENESIS_HASH;
    return tx.auditLog.create({ data: { ...fields, prevHash, hash: auditHash(prevHash, fields) } });
  });
}
