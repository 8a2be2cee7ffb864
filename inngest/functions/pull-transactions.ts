// Every 30 minutes: one pull.requested event per merchant with M-Pesa credentials; each merchant's
// pull (Pull Transactions from where the last ended, then matching) runs one at a time.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { pullRequestedEvent } from "@/lib/background/events";
import { findMerchantsToPull } from "@/lib/payments/reconciliation/find-merchants-to-pull";
import { pullTransactions } from "@/lib/payments/reconciliation/pull-transactions";

export function makeSchedulePulls(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "schedule-pull-transactions",
      name: "Schedule Pull Transactions",
      retries: 2,
      concurrency: { limit: 1 },
      triggers: [{ cron: "*/30 * * * *" }],
    },
    async ({ step }) => {
      const merchants = await step.run("find-merchants", () => findMerchantsToPull(context().db));
      if (merchants.length > 0)
        await step.sendEvent(
          "request-pulls",
          merchants.map((data) => ({ name: pullRequestedEvent.name, data })),
        );
      return { merchants: merchants.length };
    },
  );
}

export function makePullTransactions(inngest: Inngest, context: ContextProvider) {
  return inngest.createFunction(
    {
      id: "pull-transactions",
      name: "Pull Transactions",
      retries: 2,
      concurrency: { limit: 1, key: "event.data.merchantId" },
      triggers: [{ event: pullRequestedEvent.name }],
    },
    async ({ event, step }) => {
      const { merchantId } = pullRequestedEvent.data.parse(event.data);
      return step.run("pull", () => {
        const { db, deps } = context();
        return pullTransactions({ ...deps, db }, { merchantId });
      });
    },
  );
}
