// GET /api/dashboard/payments/export: the filtered payments as a streamed CSV download.
import { errorResponse } from "@/lib/api/route";
import { exportPaymentsCsv } from "@/lib/payments/collections/export-payments-csv";
import { paymentFilterSchema, paymentWhere } from "@/lib/payments/collections/payment-filters";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { tenantForRoute } from "@/lib/session";

export async function GET(request: Request) {
  const tenant = await tenantForRoute("payments:view");
  if (tenant instanceof Response) return tenant;
  try {
    const filters = paymentFilterSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
    const where = paymentWhere(tenant.merchant.id, filters, paymentsRuntime().deps.keyring);
    const name = `payments-${tenant.merchant.slug}-${new Date().toISOString().slice(0, 10)}.csv`;
    return new Response(exportPaymentsCsv(tenant.db, where), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
