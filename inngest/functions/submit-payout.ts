// Sends an approved payout to Daraja at most `perSecond` a second per merchant, with up to a
// second's worth of sends in flight (declared here, enforced by Inngest; the in-process pacer,
// lib/payments/payouts/submit-pacer.ts, keeps the same two limits), then starts its follow-up.
// The core sends a payout at most once, so a retried step or a duplicate event never pays twice.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { payoutApprovedEvent, payoutSubmittedEvent } from "@/lib/background/events";
import { maxInFlight } from "@/lib/payments/payouts/submit-pacer";
import { submitPayout } from "@/lib/payments/payouts/submit-payout";

/** Daraja answers bursts with spike arrests (500.003.02); its limits are not published. */
export const DEFAULT_PAYOUT_SUBMIT_PER_SECOND = 2;

export function makeSubmitPayout(
  inngest: Inngest,
  context: ContextProvider,
  options: { perSecond?: number } = {},
) {
  const perSecond = options.perSecond ?? DEFAULT_PAYOUT_SUBMIT_PER_SECOND;
  return inngest.createFunction(
    {
      id: "submit-payout",
      name: "Submit a payout to M-Pesa",
      retries: 5,
      // Throttle without a burst spreads starts evenly over the period: one every 1000 / perSecond ms.
      // Concurrency lets a slow send overlap the next start instead of pushing it back.
      concurrency: { key: "event.data.merchantId", limit: maxInFlight(perSecond) },
      throttle: { key: "event.data.merchantId", limit: perSecond, period: "1s" },
      triggers: [{ event: payoutApprovedEvent.name }],
    },
    async ({ event, step }) => {
      const data = payoutApprovedEvent.data.parse(event.data);
      const result = await step.run("submit", async () => {
        const { db, deps } = context();
        const submitted = await submitPayout(db, deps, data);
        // Throttled or unreachable: certainly not processed and back to approved, so a retry of
        // this step sends it then.
        if (submitted.outcome === "not_sent") throw new Error("M-Pesa did not take the payout yet");
        return submitted.outcome === "skipped"
          ? { outcome: submitted.outcome, status: submitted.status }
          : { outcome: submitted.outcome, status: submitted.payout.status };
      });
      if (result.status === "submitted" || result.status === "unknown") {
        await step.sendEvent("follow-up", { name: payoutSubmittedEvent.name, data });
      }
      return result;
    },
  );
}
