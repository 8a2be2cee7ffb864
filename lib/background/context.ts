// What background work runs against, in Inngest functions and in this process alike: the app's
// database and payments dependencies, or a test's.
import { getDb } from "../db";
import type { DbClient } from "../db-types";
import type { PaymentsDeps } from "../payments/deps";
import { paymentsRuntime } from "../payments-runtime";

export interface BackgroundContext {
  db: DbClient;
  deps: PaymentsDeps;
  spoolDir: string;
}

export type ContextProvider = () => BackgroundContext;

export const appBackgroundContext: ContextProvider = () => {
  const runtime = paymentsRuntime();
  return { db: getDb(), deps: runtime.deps, spoolDir: runtime.spoolDir };
};
