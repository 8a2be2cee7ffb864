// Every Inngest function Malipo serves, bound to the app's database and configuration.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { getEnv } from "@/lib/env";
import { makeFollowUpPayout } from "./follow-up-payout";
import { makeFollowUpStk } from "./follow-up-stk";
import { makeProcessCallback } from "./process-callback";
import { makeReconcile } from "./reconcile";
import { makeSubmitPayout } from "./submit-payout";

export function makeFunctions(inngest: Inngest, context: ContextProvider) {
  return [
    makeProcessCallback(inngest, context),
    makeFollowUpStk(inngest, context),
    makeReconcile(inngest, context),
    makeSubmitPayout(inngest, context, { perSecond: getEnv().PAYOUT_SUBMIT_PER_SECOND }),
    makeFollowUpPayout(inngest, context),
  ];
}
