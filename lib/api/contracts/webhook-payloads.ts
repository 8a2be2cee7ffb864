// What each event type's webhook delivery carries: the envelope of lib/api/contracts/events.ts with
// `type` fixed and `data` the object as the API showed it when the event was recorded (the core
// builds it with the same resource builders: toPaymentResource, toPayoutResource…).
import { z } from "zod";
import { ReviewKind } from "../../../prisma/generated/prisma/enums";
import { EVENT_TYPES, type EventType, TEST_EVENT_TYPE } from "../../events/event-types";
import { reconciliationFiguresSchema } from "../../payments/reconciliation/reconciliation-figures";
import { checkoutSessionResourceSchema } from "./checkout-sessions";
import { webhookPayloadSchema } from "./events";
import { paymentResourceSchema } from "./payments";
import { payoutResourceSchema } from "./payouts";
import { instantSchema } from "./shared";

const reviewItemSchema = z.object({
  id: z.uuid(),
  object: z.literal("review_item"),
  kind: z.enum(Object.values(ReviewKind) as [ReviewKind, ...ReviewKind[]]),
  status: z.string(),
  paymentId: z.uuid().nullable(),
  payoutId: z.uuid().nullable(),
  reversalId: z.uuid().nullable(),
  createdAt: instantSchema,
});

const reconciliationDaySchema = z.object({
  object: z.literal("reconciliation_day"),
  day: z.iso.date().meta({ description: "The day in Kenya (EAT)." }),
  state: z.enum(["not_checked", "open_items", "balanced"]),
  figures: reconciliationFiguresSchema,
  fingerprint: z.string(),
  computedAt: instantSchema.nullable(),
});

/** The `data` of each event type (a missing type fails tsc). */
const DATA_BY_TYPE: Record<EventType, z.ZodType> = {
  "payment.paid": paymentResourceSchema,
  "payment.failed": paymentResourceSchema,
  "payment.cancelled": paymentResourceSchema,
  "payment.timed_out": paymentResourceSchema,
  "payment.needs_review": paymentResourceSchema,
  "payment.reversed": paymentResourceSchema.extend({ reversalId: z.uuid() }),
  "checkout.completed": checkoutSessionResourceSchema.omit({ url: true }).extend({ paymentId: z.uuid() }),
  "payout.approved": payoutResourceSchema,
  "payout.paid": payoutResourceSchema,
  "payout.failed": payoutResourceSchema,
  "payout.needs_review": payoutResourceSchema,
  "review_item.opened": reviewItemSchema,
  "reconciliation.day_closed": reconciliationDaySchema,
};
const testEventData = z.object({ object: z.literal("test"), message: z.string() });

/** One schema per event type (the test event included), for the document's `webhooks`. */
export const webhookPayloadByType: Record<string, z.ZodObject> = Object.fromEntries([
  ...EVENT_TYPES.map((type) => [
    type,
    webhookPayloadSchema.extend({ type: z.literal(type), data: DATA_BY_TYPE[type] }),
  ]),
  [TEST_EVENT_TYPE, webhookPayloadSchema.extend({ type: z.literal(TEST_EVENT_TYPE), data: testEventData })],
]);
