// GET /api/v1/events: the calling merchant's events, newest first (?type=, ?limit=, ?cursor=).
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { toEventResource } from "@/lib/events/event-resource";
import { eventListQuerySchema, findEvents } from "@/lib/events/find-events";

export const GET = apiRoute("events:read", async ({ request, caller }) => {
  const query = eventListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await findEvents(getDb(), { merchantId: caller.merchantId, ...query });
  return Response.json({ object: "list", data: page.data.map(toEventResource), nextCursor: page.nextCursor });
});
