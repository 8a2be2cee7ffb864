// The Inngest client. Keys come from lib/env.ts; with none set it talks to a local dev server
// (INNGEST_DEV=1) or, in tests, to @inngest/test.
import { Inngest } from "inngest";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { paymentsRuntime } from "@/lib/payments-runtime";
import type { FunctionContext } from "./context";

let client: Inngest | undefined;

export function getInngest(): Inngest {
  if (!client) {
    const env = getEnv();
    client = new Inngest({
      id: "malipo",
      eventKey: env.INNGEST_EVENT_KEY,
      signingKey: env.INNGEST_SIGNING_KEY,
      baseUrl: env.INNGEST_BASE_URL,
      isDev: env.INNGEST_DEV ? env.INNGEST_DEV !== "0" : undefined,
    });
  }
  return client;
}

/** True when events should go to Inngest; otherwise the same work runs in-process (lib/background.ts). */
export function inngestConfigured(): boolean {
  const env = getEnv();
  return Boolean(env.INNGEST_EVENT_KEY || (env.INNGEST_DEV && env.INNGEST_DEV !== "0"));
}

export function appFunctionContext(): FunctionContext {
  const runtime = paymentsRuntime();
  return { db: getDb(), deps: runtime.deps, spoolDir: runtime.spoolDir };
}
