// The public shape of an event: what the events API returns and what a webhook delivery posts.
import { z } from "zod";
import type { Event } from "../../prisma/generated/prisma/client";
import { EVENT_TYPES } from "./event-types";

export const eventResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("event"),
  type: z.enum(EVENT_TYPES),
  createdAt: z.iso.datetime(),
  /** The object (payment, payout, review item, reconciliation day…) as the API showed it then. */
  data: z.record(z.string(), z.unknown()),
});
export type EventResource = z.infer<typeof eventResourceSchema>;

export function toEventResource(e: Event): EventResource {
  return {
    id: e.id,
    object: "event",
    type: e.type as EventResource["type"],
    createdAt: e.createdAt.toISOString(),
    data: (e.data ?? {}) as Record<string, unknown>,
  };
}

/** The body a webhook endpoint receives: the event, without the list wrapper. */
export function webhookPayload(e: Event): string {
  return JSON.stringify({ id: e.id, type: e.type, createdAt: e.createdAt.toISOString(), data: e.data });
}
