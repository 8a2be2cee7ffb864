// Every Inngest function Malipo serves, bound to the app's database and configuration.
import type { Inngest } from "inngest";
import type { ContextProvider } from "@/lib/background/context";
import { makeFollowUpStk } from "./follow-up-stk";
import { makeProcessCallback } from "./process-callback";
import { makeReconcile } from "./reconcile";

export function makeFunctions(inngest: Inngest, context: ContextProvider) {
  return [
    makeProcessCallback(inngest, context),
    makeFollowUpStk(inngest, context),
    makeReconcile(inngest, context),
  ];
}
