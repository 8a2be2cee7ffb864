import type { DbClient } from "../../db-types";
import { formatKes } from "../../format";
import { type DecisionEvent, decisionEvents } from "./decision-events";
import { getPayout, type PayoutWithApprovals } from "./get-payout";
import { payoutOutcomeMessage } from "./payout-outcomes";

export type PayoutEvent = DecisionEvent;

const FINAL = new Set(["paid", "failed", "needs_review"]);

/**
 * One of the merchant's payouts with what happened to it, oldest first: requested (by whom),
 * each decision (who, when, the note), sent to M-Pesa, and the result in plain words with the
 * receipt and the recipient's registered name. Null when the merchant has no such payout.
 */
export async function getPayoutTimeline(
  db: DbClient,
  options: { merchantId: string; payoutId: string },
): Promise<{ payout: PayoutWithApprovals; events: PayoutEvent[] } | null> {
  const payout = await getPayout(db, options);
  if (!payout) return null;
  const events: PayoutEvent[] = [
    {
      at: payout.createdAt,
      title: `Requested by ${payout.requesterLabel}`,
      detail: `${formatKes(payout.amount)} · needs ${payout.approvalsRequired === 1 ? "one approval" : "two approvals"} from someone else`,
    },
  ];
  events.push(...decisionEvents(payout));
  if (FINAL.has(payout.status) && payout.resultCode !== null) {
    const parts = [
      payoutOutcomeMessage(payout.kind, payout.resultCode, payout.resultDesc ?? ""),
      payout.receipt ? `Receipt ${payout.receipt}` : null,
      payout.recipientName ? `Received by ${payout.recipientName}` : null,
      `Result code ${payout.resultCode}`,
    ];
    events.push({
      at: payout.completedAt ?? payout.settledAt ?? payout.updatedAt,
      title: payout.status === "paid" ? "Paid" : payout.status === "failed" ? "Failed" : "Held for review",
      detail: parts.filter(Boolean).join(" · "),
    });
  } else if (payout.status === "needs_review") {
    events.push({ at: payout.updatedAt, title: "Held for review", detail: payout.resultDesc ?? undefined });
  }
  events.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { payout, events };
}
