import { z } from "zod";
import type { Event } from "../../prisma/generated/prisma/client";
import type { DbClient } from "../db-types";
import { decodeCursor, encodeCursor, olderThan } from "../payments/collections/find-payments";
import { EVENT_TYPES, eventTypeSchema } from "./event-types";

export const eventListQuerySchema = z.object({
  type: eventTypeSchema.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});
export type EventListQuery = z.infer<typeof eventListQuerySchema>;

/** The merchant's events, newest first, keyset-paginated on (createdAt, id) like payments. */
export async function findEvents(
  db: DbClient,
  options: { merchantId: string } & Partial<EventListQuery>,
): Promise<{ data: Event[]; nextCursor: string | null }> {
  const limit = options.limit ?? 25;
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const rows = await db.event.findMany({
    where: {
      merchantId: options.merchantId,
      // Test events (webhook.test) go to one endpoint only and are not money events.
      type: options.type ?? { in: [...EVENT_TYPES] },
      ...(after ? { AND: [olderThan(after)] } : {}),
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
