// Follows a submitted reversal until it settles: waits for its Result, then asks Transaction
// Status with back-off, and hands it to a person when M-Pesa never confirms it. Never re-sends it.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { reversalSubmittedEvent } from "@/lib/background/events";
import { FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS } from "@/lib/payments/payouts/follow-up-payout";
import { followUpReversal } from "@/lib/payments/reversals/follow-up-reversal";

export function makeFollowUpReversal(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "follow-up-reversal",
      name: "Follow up a reversal",
      retries: 3,
      throttle: { key: "event.data.merchantId", limit: 5, period: "1s" },
      triggers: [{ event: reversalSubmittedEvent.name }],
    },
    async ({ event, step }) => {
      const { reversalId } = reversalSubmittedEvent.data.parse(event.data);
      let result = "waiting";
      for (const [i, seconds] of FOLLOW_UP_PAYOUT_SCHEDULE_SECONDS.entries()) {
        await step.sleep(`wait-${i + 1}`, `${seconds}s`);
        result = await step.run(`follow-up-${i + 1}`, () => {
          const { db, deps } = context();
          return followUpReversal(db, deps, { reversalId });
        });
        if (result === "settled" || result === "gave_up") return result;
      }
      // Reconciliation keeps following it up from here.
      return result;
    },
  );
}
