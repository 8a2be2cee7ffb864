import type { Reversal } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { getPayoutPolicy } from "../payouts/get-payout-policy";
import { assertMayDecideOn, type PayoutApprover } from "../payouts/payout-approval-rules";
import { lockReversal } from "./lock-reversal";

/**
 * Locks a reversal for `approver` to approve or reject under the payout policy's four-eyes rules:
 * another merchant's or an unknown id is not found; a role the policy does not let approve, the
 * requester (or the creator of the API key that asked), a reversal no longer waiting and a second
 * decision by the same person are refused.
 */
export async function lockReversalForDecision(
  tx: DbClient,
  options: {
    merchantId: string;
    reversalId: string;
    approver: PayoutApprover;
    decision: "approve" | "reject";
  },
): Promise<Reversal> {
  const { merchantId, approver } = options;
  const policy = await getPayoutPolicy(tx, { merchantId });
  const reversal = await lockReversal(tx, { merchantId, reversalId: options.reversalId });
  if (!reversal) throw new AppError("not_found", "No reversal with this id.");
  const mine = await tx.reversalApproval.findUnique({
    where: { reversalId_userId: { reversalId: reversal.id, userId: approver.id } },
  });
  await assertMayDecideOn(tx, {
    subject: "reversal",
    policy,
    approver,
    decision: options.decision,
    request: reversal,
    mine,
  });
  return reversal;
}
