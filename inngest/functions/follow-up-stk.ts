// Follows every STK attempt: wait for its callback; if none after 30 s, ask STK Query, then again
// with back-off until the result window (about 3 minutes) closes. Never re-sends the prompt.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { stkInitiatedEvent } from "@/lib/background/events";
import {
  FOLLOW_UP_BACK_OFF_SECONDS,
  FOLLOW_UP_FIRST_WAIT_SECONDS,
  followUpStkPayment,
} from "@/lib/payments/collections/follow-up-stk-payment";

export function makeFollowUpStk(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "follow-up-stk",
      name: "Follow up an STK Push",
      retries: 3,
      // Polling too fast earns spike-arrest errors from Daraja.
      throttle: { limit: 20, period: "1s" },
      triggers: [{ event: stkInitiatedEvent.name }],
    },
    async ({ event, step }) => {
      const { paymentId } = stkInitiatedEvent.data.parse(event.data);
      await step.sleep("wait-for-callback", `${FOLLOW_UP_FIRST_WAIT_SECONDS}s`);
      for (const [i, seconds] of FOLLOW_UP_BACK_OFF_SECONDS.entries()) {
        const result = await step.run(`query-${i + 1}`, () => {
          const { db, deps, spoolDir } = context();
          return followUpStkPayment(db, deps, { paymentId, spoolDir });
        });
        if (result !== "still_pending") return result;
        await step.sleep(`back-off-${i + 1}`, `${seconds}s`);
      }
      return step.run("close-window", () => {
        const { db, deps, spoolDir } = context();
        return followUpStkPayment(db, deps, { paymentId, spoolDir });
      });
    },
  );
}
