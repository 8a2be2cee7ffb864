// POST /api/v1/payouts: request a payout (it waits for a person to approve it; keys never can).
// GET: list payouts, newest first.
import { createPayoutSchema, payoutListQuerySchema } from "@/lib/api/contracts/payouts";
import { apiRoute, readIdempotencyKey } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { findPayouts } from "@/lib/payments/payouts/find-payouts";
import { toPayoutResource } from "@/lib/payments/payouts/payout-resource";
import { requestPayout } from "@/lib/payments/payouts/request-payout";
import { paymentsRuntime } from "@/lib/payments-runtime";

export const POST = apiRoute("payouts:write", async ({ request, caller }) => {
  const fields = createPayoutSchema.parse(await request.json());
  const idempotencyKey = readIdempotencyKey(request);
  const payout = await requestPayout(getDb(), paymentsRuntime().deps, {
    ...fields,
    merchantId: caller.merchantId,
    requester: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
    idempotencyKey,
  });
  return Response.json(toPayoutResource(payout), { status: 201 });
});

export const GET = apiRoute("payouts:read", async ({ request, caller }) => {
  const query = payoutListQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await findPayouts(getDb(), { merchantId: caller.merchantId, ...query });
  return Response.json({
    object: "list",
    data: page.data.map(toPayoutResource),
    nextCursor: page.nextCursor,
  });
});
