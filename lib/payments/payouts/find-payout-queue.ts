import type { Payout, Prisma } from "../../../prisma/generated/prisma/client";
import type { Role } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { can } from "../../permissions";
import { findPayouts, type PayoutTab, payoutTabWhere } from "./find-payouts";
import type { PayoutPolicy } from "./get-payout-policy";
import { toPayoutResource } from "./payout-resource";

/** The person looking at the queue: who they are and whether they may approve at all. */
export interface QueueViewer {
  id: string;
  mayApprove: boolean;
}

/** Whether `role` may approve this merchant's payouts: the permission table and the policy agree. */
export function mayApprovePayouts(policy: PayoutPolicy, role: Role): boolean {
  return can(role, "payouts:approve") && policy.approverRoles.includes(role);
}

/**
 * A tab's rows as this viewer sees them: someone who may not approve has nothing waiting for
 * them, and sees every pending payout as waiting for others.
 */
export function queueTabWhere(tab: PayoutTab, viewer: QueueViewer): Prisma.PayoutWhereInput {
  if (viewer.mayApprove) return payoutTabWhere(tab, viewer.id);
  if (tab === "waiting_for_me") return { id: { in: [] } };
  if (tab === "waiting_for_others") return { status: "pending_approval" };
  return payoutTabWhere(tab, viewer.id);
}

export type QueuedPayout = Payout & { approvals: number };

/**
 * One page of the payout queue's tab, newest first, each payout with its number of approvals so
 * far (for "1 of 2"). Keyset-paginated like every list.
 */
export async function findPayoutQueue(
  db: DbClient,
  options: { merchantId: string; viewer: QueueViewer; tab: PayoutTab; cursor?: string; limit?: number },
): Promise<{ data: QueuedPayout[]; nextCursor: string | null }> {
  const { merchantId, viewer, tab } = options;
  const page =
    viewer.mayApprove || tab !== "waiting_for_me"
      ? await findPayouts(db, {
          merchantId,
          ...(viewer.mayApprove || tab !== "waiting_for_others"
            ? { tab, viewerId: viewer.id }
            : { status: "pending_approval" as const }),
          cursor: options.cursor,
          limit: options.limit ?? 50,
        })
      : { data: [], nextCursor: null };
  const counts = page.data.length
    ? await db.payoutApproval.groupBy({
        by: ["payoutId"],
        where: { merchantId, payoutId: { in: page.data.map((p) => p.id) }, decision: "approved" },
        _count: { _all: true },
      })
    : [];
  const approvals = new Map(counts.map((c) => [c.payoutId, c._count._all]));
  return {
    data: page.data.map((p) => ({ ...p, approvals: approvals.get(p.id) ?? 0 })),
    nextCursor: page.nextCursor,
  };
}

/** A queue row as the dashboard shows it: the API's resource plus who asked and the approvals so far. */
export function toQueueRow(p: QueuedPayout, viewer: QueueViewer) {
  return {
    ...toPayoutResource(p),
    requester: p.requesterLabel,
    requestedByMe: p.requestedById === viewer.id,
    approvals: p.approvals,
    approvalsRequired: p.approvalsRequired,
    batchRow: p.batchRow,
  };
}

export type QueueRow = ReturnType<typeof toQueueRow>;
