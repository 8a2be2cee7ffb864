import type { DbClient } from "../db-types";

/** The actions this merchant's log holds, for the filter's choices. */
export async function findAuditActions(db: DbClient, options: { merchantId: string }): Promise<string[]> {
  const rows = await db.auditLog.groupBy({
    by: ["action"],
    where: { merchantId: options.merchantId },
    orderBy: { action: "asc" },
  });
  return rows.map((r) => r.action);
}
