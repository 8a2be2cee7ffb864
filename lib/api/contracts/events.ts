// The REST API's events (GET /api/v1/events, /api/v1/events/{id}) and the body a webhook endpoint
// receives, as the routes parse and answer them.
import { z } from "zod";
import { eventResourceSchema, type toEventResource } from "../../events/event-resource";
import { EVENT_TYPES, TEST_EVENT_TYPE } from "../../events/event-types";
import { eventListQuerySchema } from "../../events/find-events";
import { type Assert, type Conforms, instantSchema, listSchema } from "./shared";

export { eventListQuerySchema, eventResourceSchema };

export const eventListSchema = listSchema(eventResourceSchema);

/**
 * What Malipo POSTs to a webhook endpoint, signed in the Malipo-Signature header and named by
 * Malipo-Event-Id (README, Webhooks). At least once, in no guaranteed order: de-duplicate on `id`.
 */
export const webhookPayloadSchema = z
  .object({
    id: z.uuid().meta({ description: "The event's id: the same on every retry and resend." }),
    type: z.enum([...EVENT_TYPES, TEST_EVENT_TYPE]),
    createdAt: instantSchema,
    data: z.record(z.string(), z.unknown()).meta({ description: "The object as the API showed it then." }),
  })
  .meta({ description: "The body of a webhook delivery." });

export type EventResourceCheck = Assert<
  Conforms<ReturnType<typeof toEventResource>, z.output<typeof eventResourceSchema>>
>;
