import type { AuditLog } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";

/** Newest first, keyset-paginated on the row id (monotonic within and across chains). */
export function findAuditLogs(
  db: DbClient,
  options: { merchantId: string; before?: bigint; limit?: number },
): Promise<AuditLog[]> {
  return db.auditLog.findMany({
    where: { merchantId: options.merchantId, ...(options.before ? { id: { lt: options.before } } : {}) },
    orderBy: { id: "desc" },
    take: Math.min(options.limit ?? 50, 200),
  });
}
