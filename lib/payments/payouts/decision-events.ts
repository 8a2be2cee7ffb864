export interface DecisionEvent {
  at: Date;
  title: string;
  detail?: string;
}

/** What a payout and a reversal share of their story between the request and the result. */
interface DecidedRequest {
  approvals: { createdAt: Date; decision: string; userLabel: string; note: string | null }[];
  status: string;
  note: string | null;
  updatedAt: Date;
  submittedAt: Date | null;
  lastQueriedAt: Date | null;
}

/**
 * The middle of a payout's or a reversal's timeline: each decision (who, the note), a cancellation
 * before sending, sent to M-Pesa, and waiting for an answer. `subject` starts each title where the
 * timeline is another's (a refund on its payment's page); without it the titles stand alone.
 */
export function decisionEvents(r: DecidedRequest, subject?: string): DecisionEvent[] {
  const title = (words: string) =>
    subject ? `${subject} ${words}` : `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
  const events: DecisionEvent[] = r.approvals.map((a) => ({
    at: a.createdAt,
    title: title(`${a.decision === "approved" ? "approved" : "rejected"} by ${a.userLabel}`),
    detail: a.note ?? undefined,
  }));
  if (r.status === "cancelled")
    events.push({
      at: r.updatedAt,
      title: title("cancelled before it was sent"),
      detail: r.note ?? undefined,
    });
  if (r.submittedAt) events.push({ at: r.submittedAt, title: title("sent to M-Pesa") });
  if (r.status === "unknown")
    events.push({
      at: r.lastQueriedAt ?? r.updatedAt,
      title: subject ? `${subject}: no answer from M-Pesa yet` : "No answer from M-Pesa yet",
      detail: "Being checked with M-Pesa's Transaction Status; it is never sent a second time.",
    });
  return events;
}
