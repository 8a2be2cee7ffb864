// GET /api/dashboard/payments: the signed-in merchant's payments, filtered, newest first (live list).
import { errorResponse } from "@/lib/api/route";
import { findPayments, paymentListQuerySchema } from "@/lib/payments/collections/find-payments";
import { paymentFilterSchema, paymentWhere } from "@/lib/payments/collections/payment-filters";
import { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { tenantForRoute } from "@/lib/session";

export async function GET(request: Request) {
  const tenant = await tenantForRoute("payments:view");
  if (tenant instanceof Response) return tenant;
  try {
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const filters = paymentFilterSchema.parse(params);
    const page = paymentListQuerySchema.parse({ limit: params.limit ?? 50, cursor: params.cursor });
    const where = paymentWhere(tenant.merchant.id, filters, paymentsRuntime().deps.keyring);
    const result = await findPayments(tenant.db, { merchantId: tenant.merchant.id, where, ...page });
    return Response.json({ data: result.data.map(toPaymentResource), nextCursor: result.nextCursor });
  } catch (error) {
    return errorResponse(error);
  }
}
