// What Inngest functions run against: the app's database and payments dependencies, or a test's.
import type { DbClient } from "@/lib/db-types";
import type { PaymentsDeps } from "@/lib/payments/deps";

export interface FunctionContext {
  db: DbClient;
  deps: PaymentsDeps;
  spoolDir: string;
}

export type ContextProvider = () => FunctionContext;
