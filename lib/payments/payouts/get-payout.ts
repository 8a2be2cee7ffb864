import type { Payout, PayoutApproval } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

export type PayoutWithApprovals = Payout & { approvals: PayoutApproval[] };

/** One of the merchant's payouts with its decisions, oldest first (for its timeline); null if none. */
export async function getPayout(
  db: DbClient,
  options: { merchantId: string; payoutId: string },
): Promise<PayoutWithApprovals | null> {
  if (!isUuid(options.payoutId)) return null;
  return db.payout.findFirst({
    where: { id: options.payoutId, merchantId: options.merchantId },
    include: { approvals: { orderBy: { createdAt: "asc" } } },
  });
}
