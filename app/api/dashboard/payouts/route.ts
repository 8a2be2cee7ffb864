// GET /api/dashboard/payouts?tab=…: one page of the payout queue's tab for the signed-in person,
// with every tab's count (polled by the Payouts page and the navigation's badge).
import { z } from "zod";
import { errorResponse } from "@/lib/api/route";
import { countPayoutTabs } from "@/lib/payments/payouts/count-payout-tabs";
import { findPayoutQueue, toQueueRow } from "@/lib/payments/payouts/find-payout-queue";
import { PAYOUT_TABS } from "@/lib/payments/payouts/find-payouts";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import { tenantForRoute } from "@/lib/session";

const querySchema = z.object({
  tab: z
    .enum(PAYOUT_TABS, { error: `tab must be one of ${PAYOUT_TABS.join(", ")}` })
    .default("waiting_for_me"),
  cursor: z.string().max(200).optional(),
  /** Only the counts (the navigation's badge). */
  counts: z.literal("only").optional(),
});

export async function GET(request: Request) {
  const tenant = await tenantForRoute("payouts:view");
  if (tenant instanceof Response) return tenant;
  try {
    const query = querySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
    const merchantId = tenant.merchant.id;
    const { viewer } = await getPayoutViewer(tenant.db, {
      merchantId,
      userId: tenant.user.id,
      role: tenant.role,
    });
    if (query.counts === "only") {
      const counts = await countPayoutTabs(tenant.db, { merchantId, viewer, tabs: ["waiting_for_me"] });
      return Response.json({ counts }, { headers: { "Cache-Control": "no-store" } });
    }
    const [page, counts] = await Promise.all([
      findPayoutQueue(tenant.db, { merchantId, viewer, tab: query.tab, cursor: query.cursor }),
      countPayoutTabs(tenant.db, { merchantId, viewer }),
    ]);
    return Response.json(
      { data: page.data.map((p) => toQueueRow(p, viewer)), nextCursor: page.nextCursor, counts },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (error) {
    return errorResponse(error);
  }
}
