// The stored money events Malipo records and delivers to webhook endpoints: one list, so the API,
// the settings checklist and the OpenAPI document agree.
import { z } from "zod";

export const EVENT_TYPES = [
  "payment.paid",
  "payment.failed",
  "payment.cancelled",
  "payment.timed_out",
  "payment.needs_review",
  "payment.reversed",
  "checkout.completed",
  "payout.approved",
  "payout.paid",
  "payout.failed",
  "payout.needs_review",
  "review_item.opened",
  "reconciliation.day_closed",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What the "send test event" button sends: stored for its delivery, never listed as a money event. */
export const TEST_EVENT_TYPE = "webhook.test";

export const eventTypeSchema = z.enum(EVENT_TYPES, {
  error: `type must be one of ${EVENT_TYPES.join(", ")}`,
});

/** What a payment's final status is called as an event (pending is no event). */
export function paymentEventType(status: string): EventType | null {
  const type = `payment.${status}`;
  return (EVENT_TYPES as readonly string[]).includes(type) ? (type as EventType) : null;
}

/** What a payout's status is called as an event, for the statuses that are one. */
export function payoutEventType(status: string): EventType | null {
  const type = `payout.${status}`;
  return (EVENT_TYPES as readonly string[]).includes(type) ? (type as EventType) : null;
}
