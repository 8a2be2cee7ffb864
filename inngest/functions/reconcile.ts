// Every 5 minutes: query overdue STK attempts, process waiting callbacks, record the run.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";

export function makeReconcile(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "reconcile-payments",
      name: "Reconcile payments",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ cron: "*/5 * * * *" }],
    },
    async ({ step }) =>
      step.run("reconcile", () => {
        const { db, deps, spoolDir } = context();
        return reconcilePayments(db, deps, { spoolDir });
      }),
  );
}
