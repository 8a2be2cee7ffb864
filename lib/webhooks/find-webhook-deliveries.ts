import type { DbClient } from "../db-types";
import { decodeCursor, encodeCursor, olderThan } from "../payments/collections/find-payments";
import { getWebhookEndpointOrThrow } from "./get-webhook-endpoint";

/**
 * An endpoint's delivery log, newest first, each delivery with its attempts (newest first) and its
 * event's type; keyset-paginated on (createdAt, id).
 */
export async function findWebhookDeliveries(
  db: DbClient,
  options: { merchantId: string; endpointId: string; limit?: number; cursor?: string },
) {
  const endpoint = await getWebhookEndpointOrThrow(db, options);
  const limit = options.limit ?? 20;
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await db.webhookDelivery.findMany({
    where: {
      endpointId: endpoint.id,
      merchantId: options.merchantId,
      ...(after ? { AND: [olderThan(after)] } : {}),
    },
    include: { attemptLog: { orderBy: [{ attemptedAt: "desc" }, { id: "desc" }], take: 20 } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const events = await db.event.findMany({
    where: { id: { in: page.map((d) => d.eventId) }, merchantId: options.merchantId },
    select: { id: true, type: true },
  });
  const typeOf = new Map(events.map((e) => [e.id, e.type]));
  const last = page[page.length - 1];
  return {
    data: page.map((d) => ({ ...d, eventType: typeOf.get(d.eventId) ?? null })),
    nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
  };
}
