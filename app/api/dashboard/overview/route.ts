// GET /api/dashboard/overview: the signed-in merchant's figures at a glance (polled by the Overview).
import { errorResponse } from "@/lib/api/route";
import { getOverview, overviewPastDays } from "@/lib/payments/collections/get-overview";
import { tenantForRoute } from "@/lib/session";

export async function GET() {
  const tenant = await tenantForRoute("dashboard:view");
  if (tenant instanceof Response) return tenant;
  try {
    return Response.json(
      await getOverview(tenant.db, { merchantId: tenant.merchant.id, pastDays: overviewPastDays }),
      {
        headers: { "Cache-Control": "no-store" },
      },
    );
  } catch (error) {
    return errorResponse(error);
  }
}
