// Every 5 minutes, and once when a server boots (reconcileRequestedEvent): process waiting callbacks (the whole backlog, one bounded step after another),
// query overdue STK attempts and payouts, record the run, and hand approved payouts and reversals
// whose submission never happened back to submission.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { payoutApprovedEvent, reconcileRequestedEvent, reversalApprovedEvent } from "@/lib/background/events";
import { findStrandedPayouts } from "@/lib/payments/payouts/find-stranded-payouts";
import { drainCallbackInbox } from "@/lib/payments/reconciliation/drain-callback-inbox";
import { reconcilePayments } from "@/lib/payments/reconciliation/reconcile-payments";
import { findStrandedReversals } from "@/lib/payments/reversals/find-stranded-reversals";

/**
 * Each step drains the inbox for at most this long, well inside a serverless request's limit; the
 * backlog goes on in the next step (about 1,000 settlements/s makes 20 s hold 10,000 or more).
 */
export const INBOX_STEP_BUDGET_MS = 20_000;
/** Drain steps per run at most (Inngest allows 1,000 steps a function): the next run goes on. */
export const MAX_INBOX_STEPS = 50;

export function makeReconcile(
  inngest: Inngest,
  context: ContextProvider,
  options: { inboxStepBudgetMs?: number } = {},
) {
  const budgetMs = options.inboxStepBudgetMs ?? INBOX_STEP_BUDGET_MS;
  return inngest.createFunction(
    {
      id: "reconcile-payments",
      name: "Reconcile payments",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ cron: "*/5 * * * *" }, { event: reconcileRequestedEvent.name }],
    },
    async ({ step }) => {
      const counts = await step.run("reconcile", () => {
        const { db, deps, spoolDir } = context();
        return reconcilePayments(db, deps, { spoolDir, inboxBudgetMs: budgetMs });
      });
      // A backlog (after an outage or a restart) goes at the settlement rate, step after step.
      let drain = { more: counts.inboxMore, cursor: counts.inboxCursor, processed: 0 };
      for (let i = 1; drain.more && i <= MAX_INBOX_STEPS; i += 1) {
        const cursor = drain.cursor;
        const next = await step.run(`drain-inbox-${i}`, () => {
          const { db, deps } = context();
          return drainCallbackInbox(db, {
            keyring: deps.keyring,
            minAgeMs: 10_000,
            budgetMs,
            cursor,
          });
        });
        drain = { more: next.more, cursor: next.cursor, processed: drain.processed + next.processed };
      }
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
      return {
        ...counts,
        inboxProcessed: counts.inboxProcessed + drain.processed,
        inboxMore: drain.more,
        strandedPayouts: stranded.length,
        strandedReversals: strandedReversals.length,
      };
    },
  );
}
