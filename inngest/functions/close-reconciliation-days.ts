// Ten minutes after Kenyan midnight: store yesterday's reconciliation day for every merchant and
// recompute days marked stale, so reads find them ready.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { closeReconciliationDays } from "@/lib/payments/reconciliation/close-reconciliation-days";

export function makeCloseReconciliationDays(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "close-reconciliation-days",
      name: "Close reconciliation days",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ cron: "TZ=Africa/Nairobi 10 0 * * *" }],
    },
    async ({ step }) => step.run("close-days", () => closeReconciliationDays(context().db)),
  );
}
