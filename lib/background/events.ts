// Every event Malipo sends to Inngest, with the schema its data must match: the sender parses
// before sending (./index.ts) and each function in inngest/functions parses what it receives.
import { z } from "zod";

/** One entry of this catalogue: Inngest's event name and the zod schema of its data. */
export interface BackgroundEvent<Data extends Record<string, unknown>> {
  name: string;
  data: z.ZodType<Data>;
}

export const callbackReceivedEvent = {
  name: "malipo/callback.received",
  data: z.object({ inboxId: z.uuid() }),
} as const;

export const stkInitiatedEvent = {
  name: "malipo/stk.initiated",
  data: z.object({ paymentId: z.uuid() }),
} as const;
