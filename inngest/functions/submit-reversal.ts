// Sends an approved reversal to Daraja, one at a time per merchant, then starts its follow-up.
// The core sends a reversal at most once, so a retried step or a duplicate event never sends the
// money back twice.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { reversalApprovedEvent, reversalSubmittedEvent } from "@/lib/background/events";
import { submitReversal } from "@/lib/payments/reversals/submit-reversal";

export function makeSubmitReversal(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "submit-reversal",
      name: "Submit a reversal to M-Pesa",
      retries: 5,
      concurrency: { key: "event.data.merchantId", limit: 1 },
      // Daraja answers bursts with spike arrests (500.003.02); reversals are few.
      throttle: { key: "event.data.merchantId", limit: 2, period: "1s" },
      triggers: [{ event: reversalApprovedEvent.name }],
    },
    async ({ event, step }) => {
      const data = reversalApprovedEvent.data.parse(event.data);
      const result = await step.run("submit", async () => {
        const { db, deps } = context();
        const submitted = await submitReversal(db, deps, data);
        // Throttled or unreachable: certainly not processed and back to approved, so a retry of
        // this step sends it then.
        if (submitted.outcome === "not_sent") throw new Error("M-Pesa did not take the reversal yet");
        return submitted.outcome === "skipped"
          ? { outcome: submitted.outcome, status: submitted.status }
          : { outcome: submitted.outcome, status: submitted.reversal.status };
      });
      if (result.status === "submitted" || result.status === "unknown") {
        await step.sendEvent("follow-up", { name: reversalSubmittedEvent.name, data });
      }
      return result;
    },
  );
}
