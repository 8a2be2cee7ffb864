import type { DbClient } from "../../db-types";
import { type QueueViewer, queueTabWhere } from "./find-payout-queue";
import { PAYOUT_STATUS_TAB, PAYOUT_TABS, type PayoutTab } from "./find-payouts";

/**
 * How many payouts each tab holds for this viewer; "waiting for me" is also the navigation's badge.
 * Two statements for every tab rather than one per tab: the statuses grouped, and what waits for
 * this viewer. Every pending payout waits either for the viewer or for others (the two tabs'
 * conditions are each other's opposite within pending_approval), so the second is the rest.
 */
export async function countPayoutTabs(
  db: DbClient,
  options: { merchantId: string; viewer: QueueViewer; tabs?: readonly PayoutTab[] },
): Promise<Record<PayoutTab, number>> {
  const { merchantId, viewer } = options;
  const tabs = options.tabs ?? PAYOUT_TABS;
  const result = Object.fromEntries(PAYOUT_TABS.map((t) => [t, 0])) as Record<PayoutTab, number>;
  const countWaitingForMe = () =>
    db.payout.count({ where: { merchantId, AND: [queueTabWhere("waiting_for_me", viewer)] } });
  if (tabs.every((t) => t === "waiting_for_me")) {
    if (tabs.length > 0 && viewer.mayApprove) result.waiting_for_me = await countWaitingForMe();
    return result;
  }
  const [byStatus, waitingForMe] = await Promise.all([
    db.payout.groupBy({ by: ["status"], where: { merchantId }, _count: { _all: true } }),
    viewer.mayApprove ? countWaitingForMe() : 0,
  ]);
  let pending = 0;
  for (const row of byStatus) {
    const tab = PAYOUT_STATUS_TAB[row.status];
    if (tab) result[tab] += row._count._all;
    else pending += row._count._all;
  }
  // Read a moment apart: a payout created in between could make the rest negative.
  result.waiting_for_me = Math.min(waitingForMe, pending);
  result.waiting_for_others = pending - result.waiting_for_me;
  for (const tab of PAYOUT_TABS) if (!tabs.includes(tab)) result[tab] = 0;
  return result;
}
