import { z } from "zod";
import type { Prisma, Reversal } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { decodeCursor, encodeCursor, olderThan } from "../collections/find-payments";
import { payoutListQuerySchema } from "../payouts/find-payouts";

export const REVERSAL_STATUSES = [
  "pending_approval",
  "approved",
  "rejected",
  "cancelled",
  "submitted",
  "reversed",
  "failed",
  "unknown",
  "needs_review",
] as const;
export type ReversalStatusFilter = (typeof REVERSAL_STATUSES)[number];

/** Query string of the list (limit and cursor as for payouts). */
export const reversalListQuerySchema = payoutListQuerySchema.pick({ limit: true, cursor: true }).extend({
  status: z
    .enum(REVERSAL_STATUSES, { error: `status must be one of ${REVERSAL_STATUSES.join(", ")}` })
    .optional(),
});

/**
 * The merchant's reversals, newest first, keyset-paginated on (createdAt, id) as payments are,
 * optionally of one status (the approval queue asks for pending_approval).
 */
export async function findReversals(
  db: DbClient,
  options: { merchantId: string; status?: ReversalStatusFilter; cursor?: string; limit?: number },
): Promise<{ data: Reversal[]; nextCursor: string | null }> {
  const limit = options.limit ?? 25;
  const conditions: Prisma.ReversalWhereInput[] = [];
  if (options.status) conditions.push({ status: options.status });
  if (options.cursor) conditions.push(olderThan(decodeCursor(options.cursor)));
  const rows = await db.reversal.findMany({
    where: { merchantId: options.merchantId, AND: conditions },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}
