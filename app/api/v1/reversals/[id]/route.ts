// GET /api/v1/reversals/{id}: one reversal of the calling merchant (another merchant's id is a 404).
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getReversal } from "@/lib/payments/reversals/get-reversal";
import { toReversalResource } from "@/lib/payments/reversals/reversal-resource";

export const GET = apiRoute<{ id: string }>("payouts:read", async ({ caller, params }) => {
  const reversal = await getReversal(getDb(), { merchantId: caller.merchantId, reversalId: params.id });
  if (!reversal) throw new AppError("not_found", "No reversal with this id.");
  return Response.json(toReversalResource(reversal));
});
