// GET /api/dashboard/payouts/template: the bulk payout CSV template (header and two example rows).
import { payoutCsvTemplate } from "@/lib/payments/payouts/payout-csv";
import { tenantForRoute } from "@/lib/session";

export async function GET() {
  const tenant = await tenantForRoute("payouts:view");
  if (tenant instanceof Response) return tenant;
  return new Response(payoutCsvTemplate(), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="malipo-payouts-template.csv"',
    },
  });
}
