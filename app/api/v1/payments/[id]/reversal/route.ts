// POST /api/v1/payments/{id}/reversal: ask for a paid payment's money to go back to the payer. It
// waits for a person other than the key's creator to approve it in the dashboard (keys never can).
import { createReversalSchema } from "@/lib/api/contracts/reversals";
import { apiRoute, readIdempotencyKey } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { requestReversal } from "@/lib/payments/reversals/request-reversal";
import { toReversalResource } from "@/lib/payments/reversals/reversal-resource";

export const POST = apiRoute<{ id: string }>("payouts:write", async ({ request, caller, params }) => {
  const fields = createReversalSchema.parse(await request.json());
  const reversal = await requestReversal(getDb(), {
    ...fields,
    merchantId: caller.merchantId,
    paymentId: params.id,
    actor: { type: "api_key", id: caller.apiKeyId, label: `API key ${caller.prefix}` },
    idempotencyKey: readIdempotencyKey(request),
  });
  return Response.json(toReversalResource(reversal), { status: 201 });
});
