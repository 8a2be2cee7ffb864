// Processes a stored Daraja callback. A callback for a payment not saved yet is retried with
// back-off; after the last retry the entry is marked dead for a person to replay.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { callbackReceivedEvent } from "@/lib/background/events";
import { withSpan } from "@/lib/observability/tracing";
import { markInboxDead } from "@/lib/payments/callbacks/mark-inbox-dead";
import { processInboxEntry } from "@/lib/payments/callbacks/process-inbox-entry";

export function makeProcessCallback(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "process-callback",
      name: "Process a Daraja callback",
      retries: 8,
      concurrency: { limit: 20 },
      triggers: [{ event: callbackReceivedEvent.name }],
      onFailure: async ({ event, error }) => {
        const { inboxId } = callbackReceivedEvent.data.parse(event.data.event.data);
        await markInboxDead(context().db, { inboxId, error: error.message });
      },
    },
    async ({ event, step }) => {
      const { inboxId } = callbackReceivedEvent.data.parse(event.data);
      return step.run("process", async () => {
        const { db, deps } = context();
        const outcome = await withSpan("callback process", { "malipo.inbox_id": inboxId }, () =>
          processInboxEntry(db, { keyring: deps.keyring, inboxId }),
        );
        if (outcome === "retry") throw new Error("the payment for this callback is not known yet");
        return outcome;
      });
    },
  );
}
