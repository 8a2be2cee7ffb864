import type { DbClient } from "../../db-types";

/** A merchant's latest refused callbacks (newest first): when, which kind, from where, how big, why. */
export function findRefusedCallbacks(db: DbClient, options: { merchantId: string; take?: number }) {
  return db.refusedCallback.findMany({
    where: { merchantId: options.merchantId },
    orderBy: { receivedAt: "desc" },
    take: options.take ?? 50,
    select: { id: true, receivedAt: true, path: true, sourceIp: true, size: true, reason: true },
  });
}
