import type { Payout } from "../../../prisma/generated/prisma/client";
import { type DbClient, inTransaction } from "../../db-types";
import { recordEvent } from "../../events/record-event";
import { withStoredTrace } from "../../observability/tracing";
import { findWaitingCallbacks, settleWaitingCallbacks } from "../callbacks/settle-waiting-callbacks";
import type { PaymentsDeps } from "../deps";
import { openReviewItem } from "../review/open-review-item";
import { toPayoutResource } from "./payout-resource";
import { queryPayoutStatus } from "./query-payout-status";
import { awaitsResult, NO_ANSWER_CODE } from "./record-payout-outcome";

/** A submitted payout without a Result after this long is looked up with Transaction Status. */
export const PAYOUT_RESULT_WINDOW_MS = 2 * 60_000;

/** Seconds to wait before the 1st, 2nd, … status query after the previous one. */
export const STATUS_QUERY_BACK_OFF_SECONDS = [0, 30, 60, 120, 300];

/** After this many answered queries without a resolution the payout goes to a person. */
export const MAX_STATUS_QUERIES = STATUS_QUERY_BACK_OFF_SECONDS.length;

/** How long the last query's answer is awaited before giving up. */
export const LAST_ANSWER_WAIT_MS = 60_000;

/**
 * When the background follows a payout up after submission (seconds after the previous step):
 * about 35 minutes in all, past the last query and its answer. Inngest's follow-up-payout
 * function and the in-process fallback both use it; reconciliation covers the rest.
 */
export const FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS = [30, 30, 60, 60, 120, 300, 600, 900];

export type PayoutFollowUp = "settled" | "waiting" | "queried" | "gave_up";

/** What one follow-up step should do for something sent to M-Pesa (a payout or a reversal). */
export type FollowUpStep = "settled" | "waiting" | "query" | "give_up";

/**
 * The follow-up rules payouts and reversals share: a submitted request gets its Result window;
 * after that (or at once for unknown ones, e.g. after a queue timeout) Transaction Status is asked
 * with back-off; when MAX_STATUS_QUERIES answers brought no resolution (and the last one had time
 * to arrive), a person takes over.
 */
export function nextFollowUpStep(
  sent: {
    status: string;
    resultCode: string | null;
    submittedAt: Date | null;
    updatedAt: Date;
    lastQueriedAt: Date | null;
    statusQueryCount: number;
  },
  now: Date,
): FollowUpStep {
  if (!awaitsResult(sent) || sent.status === "needs_review") return "settled";
  const sinceSubmitted = now.getTime() - (sent.submittedAt ?? sent.updatedAt).getTime();
  if (sent.status === "submitted" && sinceSubmitted < PAYOUT_RESULT_WINDOW_MS) return "waiting";
  const sinceQueried = sent.lastQueriedAt ? now.getTime() - sent.lastQueriedAt.getTime() : null;
  if (sent.statusQueryCount >= MAX_STATUS_QUERIES)
    return sinceQueried !== null && sinceQueried < LAST_ANSWER_WAIT_MS ? "waiting" : "give_up";
  const backOff = (STATUS_QUERY_BACK_OFF_SECONDS[sent.statusQueryCount] ?? 300) * 1000;
  return sinceQueried !== null && sinceQueried < backOff ? "waiting" : "query";
}

/**
 * One step of resolving a payout's outcome without ever sending it again (nextFollowUpStep); when
 * M-Pesa never confirmed it, the payout goes to needs_review with a `payout_unresolved` review
 * item for a person to check on the M-Pesa portal.
 */
export async function followUpPayout(
  db: DbClient,
  deps: PaymentsDeps,
  options: { payoutId: string },
): Promise<PayoutFollowUp> {
  const now = deps.now?.() ?? new Date();
  const payout = await db.payout.findUnique({ where: { id: options.payoutId } });
  if (!payout) return "settled";
  const step = nextFollowUpStep(payout, now);
  if (step === "settled" || step === "waiting") return step;
  // The status query and any giving up continue the trace the payout's submission started.
  return withStoredTrace(payout.traceContext, "payout follow-up", { "malipo.payout_id": payout.id }, () =>
    takeStep(db, deps, { payout, step, now }),
  );
}

async function takeStep(
  db: DbClient,
  deps: PaymentsDeps,
  options: { payout: Payout; step: "query" | "give_up"; now: Date },
): Promise<PayoutFollowUp> {
  const { payout, step, now } = options;
  // A stored Result (or status answer) for this payout comes before any query or giving up.
  const waiting = {
    merchantId: payout.merchantId,
    externalIds: [payout.originatorConversationId, payout.conversationId].filter((id) => id !== null),
    statusAnswers: true,
  };
  if (await settleWaitingCallbacks(db, { keyring: deps.keyring, ...waiting, now: deps.now })) {
    const after = await db.payout.findUnique({ where: { id: payout.id } });
    if (!after || nextFollowUpStep(after, now) === "settled") return "settled";
  }
  if (step === "give_up") {
    const resultDesc = `M-Pesa did not confirm this payout after ${MAX_STATUS_QUERIES} status checks. Check it on the M-Pesa portal before paying again; a late answer still settles it.`;
    const gaveUp = await inTransaction(db, async (tx) => {
      // Under the payout's row lock (settlement takes it too): a callback stored by now is seen.
      await tx.$queryRaw`SELECT id FROM payouts WHERE id = ${payout.id}::uuid FOR UPDATE`;
      if ((await findWaitingCallbacks(tx, waiting)).length > 0) return "waiting" as const;
      const [moved] = await tx.payout.updateManyAndReturn({
        where: { id: payout.id, status: { in: ["submitted", "unknown"] } },
        data: { status: "needs_review", resultCode: NO_ANSWER_CODE, resultDesc, settledAt: now },
      });
      if (!moved) return "settled" as const;
      await recordEvent(tx, {
        merchantId: moved.merchantId,
        type: "payout.needs_review",
        objectId: moved.id,
        data: toPayoutResource(moved),
        now,
      });
      await openReviewItem(tx, {
        merchantId: payout.merchantId,
        kind: "payout_unresolved",
        payoutId: payout.id,
        expected: { payoutId: payout.id, amount: payout.amount },
        actual: { statusQueries: payout.statusQueryCount, resultDesc },
      });
      return "gave_up" as const;
    });
    return gaveUp;
  }
  const asked = await queryPayoutStatus(db, deps, { payoutId: payout.id });
  return asked === "not_in_flight" ? "settled" : asked === "queried" ? "queried" : "waiting";
}
