import type { DbClient } from "../db-types";

/** The merchant's webhook endpoints, newest first (at most MAX_WEBHOOK_ENDPOINTS, so no paging). */
export function findWebhookEndpoints(db: DbClient, options: { merchantId: string }) {
  return db.webhookEndpoint.findMany({
    where: { merchantId: options.merchantId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
  });
}
