// GET /api/dashboard/payouts/export[?tab=…]: the merchant's payouts (or one tab's) as a streamed CSV.
import { z } from "zod";
import { errorResponse } from "@/lib/api/route";
import { exportPayoutsCsv } from "@/lib/payments/payouts/export-payouts-csv";
import { queueTabWhere } from "@/lib/payments/payouts/find-payout-queue";
import { PAYOUT_TABS } from "@/lib/payments/payouts/find-payouts";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import { tenantForRoute } from "@/lib/session";

const querySchema = z.object({
  tab: z.enum(PAYOUT_TABS, { error: `tab must be one of ${PAYOUT_TABS.join(", ")}` }).optional(),
});

export async function GET(request: Request) {
  const tenant = await tenantForRoute("payouts:view");
  if (tenant instanceof Response) return tenant;
  try {
    const { tab } = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
    const merchantId = tenant.merchant.id;
    const { viewer } = await getPayoutViewer(tenant.db, {
      merchantId,
      userId: tenant.user.id,
      role: tenant.role,
    });
    const where = { merchantId, ...(tab ? { AND: [queueTabWhere(tab, viewer)] } : {}) };
    const name = `payouts-${tenant.merchant.slug}${tab ? `-${tab}` : ""}-${new Date().toISOString().slice(0, 10)}.csv`;
    return new Response(exportPayoutsCsv(tenant.db, where), {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
