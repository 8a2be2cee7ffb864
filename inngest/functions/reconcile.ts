// Every 5 minutes: query overdue STK attempts and payouts, process waiting callbacks, record the
// run, and hand approved payouts and reversals whose submission never happened back to submission.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { payoutApprovedEvent, reversalApprovedEvent } from "@/lib/background/events";
import { findStrandedPayouts } from "@/lib/payments/payouts/find-stranded-payouts";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { findStrandedReversals } from "@/lib/payments/reversals/find-stranded-reversals";

export function makeReconcile(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "reconcile-payments",
      name: "Reconcile payments",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ cron: "*/5 * * * *" }],
    },
    async ({ step }) => {
      const counts = await step.run("reconcile", () => {
        const { db, deps, spoolDir } = context();
        return reconcilePayments(db, deps, { spoolDir });
      });
      // Approved payouts whose submission never happened go back through submit-payout, which
      // keeps the merchant's throttle and sends each at most once.
      const stranded = await step.run("find-stranded-payouts", () => findStrandedPayouts(context().db));
      if (stranded.length > 0)
        await step.sendEvent(
          "resubmit-stranded-payouts",
          stranded.map((data) => ({ name: payoutApprovedEvent.name, data })),
        );
      const strandedReversals = await step.run("find-stranded-reversals", () =>
        findStrandedReversals(context().db),
      );
      if (strandedReversals.length > 0)
        await step.sendEvent(
          "resubmit-stranded-reversals",
          strandedReversals.map((data) => ({ name: reversalApprovedEvent.name, data })),
        );
      return { ...counts, strandedPayouts: stranded.length, strandedReversals: strandedReversals.length };
    },
  );
}
