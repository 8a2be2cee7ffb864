// Every event Malipo sends to Inngest, with its schema.
import { z } from "zod";

export const callbackReceivedEvent = {
  name: "malipo/callback.received",
  data: z.object({ inboxId: z.uuid() }),
} as const;

export const stkInitiatedEvent = {
  name: "malipo/stk.initiated",
  data: z.object({ paymentId: z.uuid() }),
} as const;

export type CallbackReceived = z.infer<typeof callbackReceivedEvent.data>;
export type StkInitiated = z.infer<typeof stkInitiatedEvent.data>;
