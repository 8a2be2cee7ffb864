// GET /api/v1/payout-batches/{id}: a batch of the calling merchant with counts and totals by status.
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getPayoutBatch } from "@/lib/payments/payouts/get-payout-batch";
import { toPayoutBatchResource } from "@/lib/payments/payouts/payout-resource";

export const GET = apiRoute<{ id: string }>("payouts:read", async ({ caller, params }) => {
  const summary = await getPayoutBatch(getDb(), { merchantId: caller.merchantId, batchId: params.id });
  if (!summary) throw new AppError("not_found", "No payout batch with this id.");
  return Response.json(toPayoutBatchResource(summary));
});
