import { z } from "zod";
import type { Payout, Prisma } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";
import { decodeCursor, encodeCursor, olderThan } from "../collections/find-payments";

export const PAYOUT_STATUSES = [
  "pending_approval",
  "approved",
  "rejected",
  "cancelled",
  "submitted",
  "paid",
  "failed",
  "unknown",
  "needs_review",
] as const;

/** The payout queue's tabs; the first two depend on who is looking. */
export const PAYOUT_TABS = [
  "waiting_for_me",
  "waiting_for_others",
  "in_flight",
  "paid",
  "failed",
  "review",
] as const;
export type PayoutTab = (typeof PAYOUT_TABS)[number];

/**
 * The tab each status is listed under, whoever looks; pending payouts (null here) go to "waiting
 * for me" or "waiting for others" depending on the viewer (payoutTabWhere).
 */
export const PAYOUT_STATUS_TAB: Record<
  (typeof PAYOUT_STATUSES)[number],
  Exclude<PayoutTab, "waiting_for_me" | "waiting_for_others"> | null
> = {
  pending_approval: null,
  approved: "in_flight",
  submitted: "in_flight",
  unknown: "in_flight",
  paid: "paid",
  failed: "failed",
  rejected: "failed",
  cancelled: "failed",
  needs_review: "review",
};

/** The statuses a status tab holds (PAYOUT_STATUS_TAB). */
function statusesOf(tab: PayoutTab) {
  return PAYOUT_STATUSES.filter((status) => PAYOUT_STATUS_TAB[status] === tab);
}

export const payoutListQuerySchema = z.object({
  status: z
    .enum(PAYOUT_STATUSES, { error: `status must be one of ${PAYOUT_STATUSES.join(", ")}` })
    .optional(),
  batchId: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});

/**
 * The `where` of a tab for `viewerId`. Waiting for me: pending, not requested by me and not yet
 * decided by me (whether my role may approve is for the caller to know). Waiting for others: the
 * rest of the pending ones. Also what the navigation's badge counts.
 */
export function payoutTabWhere(tab: PayoutTab, viewerId: string): Prisma.PayoutWhereInput {
  switch (tab) {
    case "waiting_for_me":
      return {
        status: "pending_approval",
        // A plain `not` would also drop API-key requests (NULL never equals or differs in SQL).
        OR: [{ requestedById: null }, { requestedById: { not: viewerId } }],
        approvals: { none: { userId: viewerId } },
      };
    case "waiting_for_others":
      return {
        status: "pending_approval",
        OR: [{ requestedById: viewerId }, { approvals: { some: { userId: viewerId } } }],
      };
    case "in_flight":
    case "paid":
    case "failed":
    case "review":
      return { status: { in: statusesOf(tab) } };
  }
}

/**
 * The merchant's payouts, newest first, keyset-paginated on (createdAt, id) as payments are: by
 * tab (for `viewerId`), status or batch. An unusable batch id matches nothing.
 */
export async function findPayouts(
  db: DbClient,
  options: {
    merchantId: string;
    tab?: PayoutTab;
    /** Needed for the tabs that depend on who is looking. */
    viewerId?: string;
    status?: (typeof PAYOUT_STATUSES)[number];
    batchId?: string;
    /** 1-100; 25 when absent. */
    limit?: number;
    cursor?: string;
  },
): Promise<{ data: Payout[]; nextCursor: string | null }> {
  const limit = options.limit ?? 25;
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  const conditions: Prisma.PayoutWhereInput[] = [];
  if (options.tab) conditions.push(payoutTabWhere(options.tab, options.viewerId ?? ""));
  if (options.status) conditions.push({ status: options.status });
  if (options.batchId !== undefined)
    conditions.push(isUuid(options.batchId) ? { batchId: options.batchId } : { id: { in: [] } });
  if (after) conditions.push(olderThan(after));
  const rows = await db.payout.findMany({
    where: { merchantId: options.merchantId, AND: conditions },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
