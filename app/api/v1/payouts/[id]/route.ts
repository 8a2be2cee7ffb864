// GET /api/v1/payouts/{id}: one payout of the calling merchant (another merchant's id is a 404).
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getPayout } from "@/lib/payments/payouts/get-payout";
import { toPayoutResource } from "@/lib/payments/payouts/payout-resource";

export const GET = apiRoute<{ id: string }>("payouts:read", async ({ caller, params }) => {
  const payout = await getPayout(getDb(), { merchantId: caller.merchantId, payoutId: params.id });
  if (!payout) throw new AppError("not_found", "No payout with this id.");
  return Response.json(toPayoutResource(payout));
});
