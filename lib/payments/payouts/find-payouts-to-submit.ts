import type { DbClient } from "../../db-types";

/**
 * The approved payouts among `payoutIds`, with their merchant and its submission pace
 * (PayoutPolicy.submitPerSecond, 2 a second without a policy), for the background to send.
 */
export async function findPayoutsToSubmit(
  db: DbClient,
  options: { payoutIds: string[] },
): Promise<{ id: string; merchantId: string; submitPerSecond: number }[]> {
  if (options.payoutIds.length === 0) return [];
  const rows = await db.payout.findMany({
    where: { id: { in: options.payoutIds }, status: "approved" },
    select: {
      id: true,
      merchantId: true,
      merchant: { select: { payoutPolicy: { select: { submitPerSecond: true } } } },
    },
    orderBy: [{ batchRow: "asc" }, { createdAt: "asc" }],
  });
  return rows.map((r) => ({
    id: r.id,
    merchantId: r.merchantId,
    submitPerSecond: r.merchant.payoutPolicy?.submitPerSecond ?? 2,
  }));
}
