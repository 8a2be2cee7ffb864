import type { DbClient } from "../db-types";
import { auditScope } from "./find-audit-logs";

/** The actions this merchant's log holds, for the filter's choices. */
export async function findAuditActions(
  db: DbClient,
  options: { merchantId: string; memberUserIds?: string[] },
): Promise<string[]> {
  const rows = await db.auditLog.groupBy({
    by: ["action"],
    where: auditScope(options.merchantId, options.memberUserIds),
    orderBy: { action: "asc" },
  });
  return rows.map((r) => r.action);
}
