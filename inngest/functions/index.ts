// Every Inngest function Malipo serves, bound to the app's database and configuration.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { getEnv } from "@/lib/env";
import { webhookDeps } from "@/lib/webhooks-runtime";
import { makeCloseReconciliationDays } from "./close-reconciliation-days";
import { makeDeliverWebhook, makeSweepWebhooks } from "./deliver-webhooks";
import { makeFollowUpPayout } from "./follow-up-payout";
import { makeFollowUpReversal } from "./follow-up-reversal";
import { makeFollowUpStk } from "./follow-up-stk";
import { makeProcessCallback } from "./process-callback";
import { makePullTransactions, makeSchedulePulls } from "./pull-transactions";
import { makeReconcile } from "./reconcile";
import { makeSubmitPayout } from "./submit-payout";
import { makeSubmitReversal } from "./submit-reversal";

export function makeFunctions(inngest: Inngest, context: ContextProvider) {
  return [
    makeProcessCallback(inngest, context),
    makeFollowUpStk(inngest, context),
    makeReconcile(inngest, context),
    makeSubmitPayout(inngest, context, { perSecond: getEnv().PAYOUT_SUBMIT_PER_SECOND }),
    makeFollowUpPayout(inngest, context),
    makeSubmitReversal(inngest, context),
    makeFollowUpReversal(inngest, context),
    makeCloseReconciliationDays(inngest, context),
    makeSchedulePulls(inngest, context),
    makePullTransactions(inngest, context),
    makeSweepWebhooks(inngest, context),
    makeDeliverWebhook(inngest, context, { production: webhookDeps().production }),
  ];
}
