import type { DbClient } from "../../db-types";

export type MatchCandidate = Awaited<ReturnType<typeof findMatchCandidates>>[number];

/** Unpaid checkouts (open, expired or cancelled: people pay late) a person could match money to. */
export function findMatchCandidates(db: DbClient, options: { merchantId: string; limit?: number }) {
  return db.checkoutSession.findMany({
    where: { merchantId: options.merchantId, status: { in: ["open", "expired", "cancelled"] } },
    orderBy: { createdAt: "desc" },
    take: options.limit ?? 50,
    select: { id: true, reference: true, amount: true, status: true, createdAt: true },
  });
}

/** Those with the money's reference first, then its amount, newest next. */
export function rankMatchCandidates(
  candidates: MatchCandidate[],
  money: { reference?: unknown; amount?: unknown },
): MatchCandidate[] {
  const score = (c: MatchCandidate) =>
    (c.reference === money.reference ? 2 : 0) + (c.amount === Number(money.amount) ? 1 : 0);
  return [...candidates].sort((x, y) => score(y) - score(x));
}
