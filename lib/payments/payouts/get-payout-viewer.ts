import type { Role } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { mayApprovePayouts, type QueueViewer } from "./find-payout-queue";
import { getPayoutPolicy, type PayoutPolicy } from "./get-payout-policy";

/** The signed-in person as the payout queue sees them, with the policy that decided it. */
export async function getPayoutViewer(
  db: DbClient,
  options: { merchantId: string; userId: string; role: Role },
): Promise<{ viewer: QueueViewer; policy: PayoutPolicy }> {
  const policy = await getPayoutPolicy(db, { merchantId: options.merchantId });
  return { policy, viewer: { id: options.userId, mayApprove: mayApprovePayouts(policy, options.role) } };
}
