import type { DbClient } from "../../db-types";
import { type QueueViewer, queueTabWhere } from "./find-payout-queue";
import { PAYOUT_TABS, type PayoutTab } from "./find-payouts";

/** How many payouts each tab holds for this viewer; "waiting for me" is also the navigation's badge. */
export async function countPayoutTabs(
  db: DbClient,
  options: { merchantId: string; viewer: QueueViewer; tabs?: readonly PayoutTab[] },
): Promise<Record<PayoutTab, number>> {
  const tabs = options.tabs ?? PAYOUT_TABS;
  const counts = await Promise.all(
    tabs.map((tab) =>
      db.payout.count({
        where: { merchantId: options.merchantId, AND: [queueTabWhere(tab, options.viewer)] },
      }),
    ),
  );
  const result = Object.fromEntries(PAYOUT_TABS.map((t) => [t, 0])) as Record<PayoutTab, number>;
  tabs.forEach((tab, i) => {
    result[tab] = counts[i] ?? 0;
  });
  return result;
}
