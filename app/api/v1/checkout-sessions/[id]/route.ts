// GET /api/v1/checkout-sessions/{id}: one checkout session of the calling merchant.
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { toCheckoutSessionResource } from "@/lib/payments/collections/payment-resource";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { tenantDb } from "@/lib/tenancy/tenant-db";
import { isUuid } from "@/lib/validation/id";

export const GET = apiRoute<{ id: string }>("payments:read", async ({ caller, params }) => {
  const session = isUuid(params.id)
    ? await tenantDb(getDb(), caller.merchantId).checkoutSession.findUnique({ where: { id: params.id } })
    : null;
  if (!session) throw new AppError("not_found", "No checkout session with this id.");
  return Response.json(toCheckoutSessionResource(session, paymentsRuntime().deps.appUrl));
});
