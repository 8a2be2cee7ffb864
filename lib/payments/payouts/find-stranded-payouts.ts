import type { DbClient } from "../../db-types";

/** How long an approved payout may wait for its submission before reconciliation hands it on again. */
export const STRANDED_AFTER_SECONDS = 120;

/**
 * Approved payouts never handed to Daraja (no OriginatorConversationID yet) a while after their
 * approval: the in-process pacer died with its server, or every retry of a throttled send ran
 * out. Reconciliation hands them back to the same submission path, which sends each at most once
 * (submitPayout only takes an approved payout without an id, under a row lock), at the merchant's
 * pace. Oldest first, bounded per run.
 */
export async function findStrandedPayouts(
  db: DbClient,
  options: { now?: Date; limit?: number } = {},
): Promise<{ payoutId: string; merchantId: string }[]> {
  const before = new Date((options.now ?? new Date()).getTime() - STRANDED_AFTER_SECONDS * 1000);
  const rows = await db.payout.findMany({
    where: { status: "approved", originatorConversationId: null, approvedAt: { lt: before } },
    select: { id: true, merchantId: true },
    orderBy: { approvedAt: "asc" },
    take: options.limit ?? 500,
  });
  return rows.map((r) => ({ payoutId: r.id, merchantId: r.merchantId }));
}
