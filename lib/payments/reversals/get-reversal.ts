import type { Reversal, ReversalApproval } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";

export type ReversalWithApprovals = Reversal & { approvals: ReversalApproval[] };

/** One of the merchant's reversals with its decisions, oldest first (for its timeline); null if none. */
export async function getReversal(
  db: DbClient,
  options: { merchantId: string; reversalId: string },
): Promise<ReversalWithApprovals | null> {
  if (!isUuid(options.reversalId)) return null;
  return db.reversal.findFirst({
    where: { id: options.reversalId, merchantId: options.merchantId },
    include: { approvals: { orderBy: { createdAt: "asc" } } },
  });
}
