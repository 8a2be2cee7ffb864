// Processes stored Daraja callbacks, up to 100 per run (batchEvents): one claim and one
// `processed` mark per batch (processInboxBatch), so a burst of callbacks settles at the database's
// pace rather than one function run and three extra round trips per callback. A callback for a
// payment not saved yet fails the run, which Inngest retries with back-off (entries already
// processed are skipped on retry); after the last retry the entries still waiting are marked dead
// for a person to replay.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { callbackReceivedEvent } from "@/lib/background/events";
import { withSpan } from "@/lib/observability/tracing";
import { markInboxDead } from "@/lib/payments/callbacks/mark-inbox-dead";
import { processInboxBatch } from "@/lib/payments/callbacks/process-inbox-batch";
import type { InboxOutcome } from "@/lib/payments/callbacks/process-inbox-entry";

/** Callbacks per run, and how long the first waits for others: a lone callback settles within this. */
export const PROCESS_CALLBACK_BATCH = { maxSize: 100, timeout: "1s" } as const;
/** Runs at once: each settles PROCESS_CALLBACK_CONCURRENCY_PER_RUN callbacks at a time. */
export const PROCESS_CALLBACK_CONCURRENCY = 4;
export const PROCESS_CALLBACK_CONCURRENCY_PER_RUN = 4;
const RETRIES = 8;

export function makeProcessCallback(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "process-callback",
      name: "Process Daraja callbacks",
      retries: RETRIES,
      concurrency: { limit: PROCESS_CALLBACK_CONCURRENCY },
      batchEvents: PROCESS_CALLBACK_BATCH,
      triggers: [{ event: callbackReceivedEvent.name }],
      onFailure: async ({ event, error }) => {
        // Reached only when the run failed outside processing (the last attempt marks its own).
        const { inboxId } = callbackReceivedEvent.data.parse(event.data.event.data);
        await markInboxDead(context().db, { inboxId, error: error.message });
      },
    },
    async ({ events, step, attempt }) => {
      const inboxIds = [...new Set(events.map((e) => callbackReceivedEvent.data.parse(e.data).inboxId))];
      return step.run("process", async () => {
        const { db, deps } = context();
        const { outcomes } = await withSpan(
          "callback process",
          { "malipo.inbox_count": inboxIds.length },
          () =>
            processInboxBatch(db, {
              keyring: deps.keyring,
              inboxIds,
              concurrency: PROCESS_CALLBACK_CONCURRENCY_PER_RUN,
            }),
        );
        const waiting = [...outcomes].filter(([, o]) => o === "retry" || o === "failed").map(([id]) => id);
        if (waiting.length > 0 && attempt >= RETRIES) {
          for (const id of waiting)
            await markInboxDead(db, { inboxId: id, error: "still unprocessed after the last retry" });
        } else if (waiting.length > 0) {
          throw new Error(
            `${waiting.length} callback(s) not processed yet: the payment for a callback is not known yet, or settling failed`,
          );
        }
        const counts: Partial<Record<InboxOutcome | "failed", number>> = {};
        for (const outcome of outcomes.values()) counts[outcome] = (counts[outcome] ?? 0) + 1;
        // One callback (the usual run outside bursts): its outcome, as before batching.
        return outcomes.size === 1 ? [...outcomes.values()][0] : counts;
      });
    },
  );
}
