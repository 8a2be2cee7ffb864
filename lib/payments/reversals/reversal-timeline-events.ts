import { formatKes } from "../../format";
import { type DecisionEvent, decisionEvents } from "../payouts/decision-events";
import type { ReversalWithApprovals } from "./get-reversal";
import { reversalMessage } from "./reversal-resource";

const RESULT_TITLES: Record<string, string> = {
  reversed: "Refund (reversal) done: the money went back",
  failed: "Refund (reversal) failed",
  needs_review: "Refund (reversal) held for review",
};

/**
 * What happened to one reversal, for its payment's timeline: requested (by whom, why), each
 * decision (who, the note), cancelled, sent to M-Pesa, waiting for an answer, and the result in
 * plain words with the reversal's own receipt.
 */
export function reversalTimelineEvents(r: ReversalWithApprovals): DecisionEvent[] {
  const events: DecisionEvent[] = [
    {
      at: r.createdAt,
      title: `Refund (reversal) of ${formatKes(r.amount)} requested by ${r.requesterLabel}`,
      detail: r.reason,
    },
  ];
  events.push(...decisionEvents(r, "Refund"));
  const title = RESULT_TITLES[r.status];
  if (title) {
    const parts = [
      reversalMessage(r),
      r.receipt ? `Reversal receipt ${r.receipt}` : null,
      r.resultCode ? `Result code ${r.resultCode}` : null,
    ];
    events.push({
      at: r.completedAt ?? r.settledAt ?? r.updatedAt,
      title,
      detail: parts.filter(Boolean).join(" · "),
    });
  }
  return events;
}
