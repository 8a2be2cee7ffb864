// The Inngest client (the npm package, not the repository's inngest/ folder, which imports this).
// Keys come from lib/env.ts; with none set it talks to a local dev server (INNGEST_DEV=1) or, in
// tests, to @inngest/test.
import { Inngest } from "inngest";
import { getEnv } from "../env";

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

/** True when events should go to Inngest; otherwise the same work runs in this process (./index.ts). */
export function inngestConfigured(): boolean {
  const env = getEnv();
  return Boolean(env.INNGEST_EVENT_KEY || (env.INNGEST_DEV && env.INNGEST_DEV !== "0"));
}
