import type { DbClient } from "../db-types";
import { isUuid } from "../validation/id";
import { EVENT_TYPES } from "./event-types";

/** One event of the merchant, or null (another merchant's id, or not an id at all). */
export function getEvent(db: DbClient, options: { merchantId: string; eventId: string }) {
  if (!isUuid(options.eventId)) return Promise.resolve(null);
  return db.event.findFirst({
    where: { id: options.eventId, merchantId: options.merchantId, type: { in: [...EVENT_TYPES] } },
  });
}
