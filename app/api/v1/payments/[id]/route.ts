// GET /api/v1/payments/{id}: one payment of the calling merchant (another merchant's id is a 404).
import { apiRoute } from "@/lib/api/route";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import { tenantDb } from "@/lib/tenancy/tenant-db";
import { isUuid } from "@/lib/validation/id";

export const GET = apiRoute<{ id: string }>("payments:read", async ({ caller, params }) => {
  const payment = isUuid(params.id)
    ? await tenantDb(getDb(), caller.merchantId).payment.findUnique({ where: { id: params.id } })
    : null;
  if (!payment) throw new AppError("not_found", "No payment with this id.");
  return Response.json(toPaymentResource(payment));
});
