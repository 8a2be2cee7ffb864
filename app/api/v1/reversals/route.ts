// GET /api/v1/reversals: the calling merchant's reversals, newest first (approval happens in the
// dashboard, never through the API).
import { reversalListQuerySchema } from "@/lib/api/contracts/reversals";
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { findReversals } from "@/lib/payments/reversals/find-reversals";
import { toReversalResource } from "@/lib/payments/reversals/reversal-resource";

export const GET = apiRoute("payouts:read", async ({ request, caller }) => {
  const query = reversalListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await findReversals(getDb(), { merchantId: caller.merchantId, ...query });
  return Response.json({
    object: "list",
    data: page.data.map(toReversalResource),
    nextCursor: page.nextCursor,
  });
});
