import { z } from "zod";
import type { AuditLog, Prisma } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";
import { blankToUndefined, kenyanDayRange, kenyanDaySchema } from "../kenyan-days";
import { text } from "../validation/text";
import { GLOBAL_CHAIN } from "./append-audit-log";

const day = z.preprocess(blankToUndefined, kenyanDaySchema.optional());

/** The audit log page's filters, from its query string. Dates are inclusive Kenyan days. */
export const auditFilterSchema = z.object({
  /** Part of who acted: an email or a label such as "reconciliation". */
  actor: z.preprocess(blankToUndefined, text().trim().max(100).optional()),
  /** An exact action (`review.accepted`) or a family ending in a dot (`team.`). */
  action: z.preprocess(
    blankToUndefined,
    z
      .string()
      .trim()
      .max(60)
      .regex(/^[a-z0-9_.]+$/)
      .optional(),
  ),
  from: day,
  to: day,
  // A row id: the largest PostgreSQL bigint bounds it, so a huge number is refused, not a 500.
  before: z.preprocess(
    blankToUndefined,
    z.coerce.bigint().positive().max(9_223_372_036_854_775_807n).optional(),
  ),
});

export type AuditFilters = z.infer<typeof auditFilterSchema>;

/** A merchant's own chain, plus the shared chain's events about its members when they are given. */
export function auditScope(merchantId: string, memberUserIds: string[] = []): Prisma.AuditLogWhereInput {
  if (memberUserIds.length === 0) return { merchantId };
  return {
    OR: [
      { merchantId },
      {
        chain: GLOBAL_CHAIN,
        OR: [{ actorId: { in: memberUserIds } }, { targetType: "user", targetId: { in: memberUserIds } }],
      },
    ],
  };
}

/**
 * Newest first, keyset-paginated on the row id (monotonic within and across chains). With
 * `memberUserIds`, also the security events of the shared chain (sign-ins, failures, sign-outs)
 * in which one of those people acted or was the target: a merchant sees its own staff's, nobody
 * else's. That needs an unscoped client, since those rows belong to no merchant.
 */
export function findAuditLogs(
  db: DbClient,
  options: { merchantId: string; memberUserIds?: string[]; filters?: AuditFilters; limit?: number },
): Promise<AuditLog[]> {
  const f = options.filters ?? {};
  const where: Prisma.AuditLogWhereInput = {
    ...auditScope(options.merchantId, options.memberUserIds),
    ...(f.before ? { id: { lt: f.before } } : {}),
    ...(f.actor ? { actorLabel: { contains: f.actor, mode: "insensitive" } } : {}),
    ...(f.action ? { action: f.action.endsWith(".") ? { startsWith: f.action } : f.action } : {}),
    createdAt: kenyanDayRange(f.from, f.to),
  };
  return db.auditLog.findMany({ where, orderBy: { id: "desc" }, take: Math.min(options.limit ?? 50, 200) });
}
