// POST /api/v1/checkout-sessions: a hosted checkout page for a customer to pay on.
import { createCheckoutSessionSchema } from "@/lib/api/contracts/checkout-sessions";
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { createCheckoutSession } from "@/lib/payments/collections/create-checkout-session";
import { toCheckoutSessionResource } from "@/lib/payments/collections/payment-resource";
import { paymentsRuntime } from "@/lib/payments-runtime";

export const POST = apiRoute("checkout:write", async ({ request, caller }) => {
  const input = createCheckoutSessionSchema.parse(await request.json());
  const session = await createCheckoutSession(getDb(), { merchantId: caller.merchantId, ...input });
  return Response.json(toCheckoutSessionResource(session, paymentsRuntime().deps.appUrl), { status: 201 });
});
