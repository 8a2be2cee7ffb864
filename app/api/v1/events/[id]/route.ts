// GET /api/v1/events/{id}: one event of the calling merchant (another merchant's id is a 404).
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { toEventResource } from "@/lib/events/event-resource";
import { getEvent } from "@/lib/events/get-event";

export const GET = apiRoute<{ id: string }>("events:read", async ({ caller, params }) => {
  const event = await getEvent(getDb(), { merchantId: caller.merchantId, eventId: params.id });
  if (!event) throw new AppError("not_found", "No event with this id.");
  return Response.json(toEventResource(event));
});
