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

/** Approved payouts to send; the submit function's concurrency and throttle key on merchantId. */
export const payoutApprovedEvent = {
  name: "malipo/payout.approved",
  data: z.object({ payoutId: z.uuid(), merchantId: z.uuid() }),
} as const;

/** A payout went to Daraja (or may have): follow it up until it settles. */
export const payoutSubmittedEvent = {
  name: "malipo/payout.submitted",
  data: z.object({ payoutId: z.uuid(), merchantId: z.uuid() }),
} as const;

/** An approved reversal to send; the submit function's concurrency keys on merchantId. */
export const reversalApprovedEvent = {
  name: "malipo/reversal.approved",
  data: z.object({ reversalId: z.uuid(), merchantId: z.uuid() }),
} as const;

/** A reversal went to Daraja (or may have): follow it up until it settles. */
export const reversalSubmittedEvent = {
  name: "malipo/reversal.submitted",
  data: z.object({ reversalId: z.uuid(), merchantId: z.uuid() }),
} as const;

/** Pull M-Pesa's record for one merchant (the scheduled pull fans out one per merchant). */
export const pullRequestedEvent = {
  name: "malipo/pull.requested",
  data: z.object({ merchantId: z.uuid() }),
} as const;

/** A webhook delivery is due (the sweep fans due deliveries out, one function run each). */
export const webhookDeliveryDueEvent = {
  name: "malipo/webhook.delivery_due",
  data: z.object({ deliveryId: z.uuid(), endpointId: z.uuid() }),
} as const;

/**
 * Run reconciliation now rather than at the next 5-minute run: sent at boot, so a backlog of
 * stored callbacks left by a restart drains at once (inngest/functions/reconcile.ts).
 */
export const reconcileRequestedEvent = {
  name: "malipo/reconcile.requested",
  data: z.object({ reason: z.enum(["boot"]) }),
} as const;
