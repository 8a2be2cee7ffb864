// POST /api/v1/payout-batches: request up to 10,000 payouts at once, all or nothing (a 422 lists
// every bad row by index and field). They wait for a person to approve them.
import { createPayoutBatchSchema } from "@/lib/api/contracts/payout-batches";
import { apiRoute, readIdempotencyKey } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getPayoutBatch } from "@/lib/payments/payouts/get-payout-batch";
import { toPayoutBatchResource } from "@/lib/payments/payouts/payout-resource";
import { requestPayoutBatch } from "@/lib/payments/payouts/request-payout-batch";
import { paymentsRuntime } from "@/lib/payments-runtime";

export const POST = apiRoute("payouts:write", async ({ request, caller }) => {
  const body = createPayoutBatchSchema.parse(await request.json());
  const idempotencyKey = readIdempotencyKey(request);
  const db = getDb();
  const batch = await requestPayoutBatch(db, paymentsRuntime().deps, {
    merchantId: caller.merchantId,
    requester: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
    name: body.name,
    payouts: body.payouts,
    idempotencyKey,
  });
  const summary = await getPayoutBatch(db, { merchantId: caller.merchantId, batchId: batch.id });
  if (!summary) throw new AppError("internal", "The batch was stored but could not be read back.");
  return Response.json(toPayoutBatchResource(summary), { status: 201 });
});
