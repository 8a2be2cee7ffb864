// Follows a submitted payout until it settles: waits for its Result, then asks Transaction Status
// with back-off, and hands it to a person when M-Pesa never confirms it. Never re-sends it.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { payoutSubmittedEvent } from "@/lib/background/events";
import { FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS, followUpPayout } from "@/lib/payments/payouts/follow-up-payout";

export function makeFollowUpPayout(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "follow-up-payout",
      name: "Follow up a payout",
      retries: 3,
      // Status queries are money-free but spike-arrested like any Daraja call.
      throttle: { key: "event.data.merchantId", limit: 5, period: "1s" },
      triggers: [{ event: payoutSubmittedEvent.name }],
    },
    async ({ event, step }) => {
      const { payoutId } = payoutSubmittedEvent.data.parse(event.data);
      let result = "waiting";
      for (const [i, seconds] of FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS.entries()) {
        await step.sleep(`wait-${i + 1}`, `${seconds}s`);
        result = await step.run(`follow-up-${i + 1}`, () => {
          const { db, deps } = context();
          return followUpPayout(db, deps, { payoutId });
        });
        if (result === "settled" || result === "gave_up") return result;
      }
      // Reconciliation keeps following it up from here.
      return result;
    },
  );
}
