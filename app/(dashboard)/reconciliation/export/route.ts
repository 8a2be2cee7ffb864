// GET /reconciliation/export?from=YYYY-MM-DD&to=YYYY-MM-DD: reconciliation days as a CSV download.
import { z } from "zod";
import { errorResponse } from "@/lib/api/route";
import { kenyanDaySchema } from "@/lib/kenyan-days";
import { exportReconciliationCsv } from "@/lib/payments/reconciliation/export-reconciliation-csv";
import { tenantForRoute } from "@/lib/session";

const rangeSchema = z
  .object({ from: kenyanDaySchema, to: kenyanDaySchema })
  .refine((r) => r.from <= r.to, { message: "`from` must not be after `to`", path: ["to"] });

export async function GET(request: Request) {
  const tenant = await tenantForRoute("payments:view");
  if (tenant instanceof Response) return tenant;
  try {
    const { from, to } = rangeSchema.parse(Object.fromEntries(new URL(request.url).searchParams));
    const stream = exportReconciliationCsv(tenant.db, { merchantId: tenant.merchant.id, from, to });
    const name = `reconciliation-${tenant.merchant.slug}-${from}-to-${to}.csv`;
    return new Response(stream, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="${name}"`,
      },
    });
  } catch (error) {
    return errorResponse(error);
  }
}
