// The REST API's payments (STK Push) as the routes parse and answer them; lib/api/openapi.ts
// documents the same schemas.
import { z } from "zod";
import { paymentListQuerySchema } from "../../payments/collections/find-payments";
import type { toPaymentResource } from "../../payments/collections/payment-resource";
import { text } from "../../validation/text";
import {
  type Assert,
  amountKesSchema,
  type Conforms,
  currencySchema,
  instantSchema,
  listSchema,
} from "./shared";

export { paymentListQuerySchema };

/** POST /api/v1/payments. The amount's range and the phone's form are checked by the core (422). */
export const createPaymentSchema = z.object({
  amount: z
    .number({ error: "amount must be a number of whole shillings" })
    .meta({ description: "Whole KES, 1 up to the merchant's maximum.", examples: [100] }),
  phone: text({ error: "phone is required" })
    .max(20)
    .meta({
      description: "The customer's Kenyan mobile number (07…, 01…, 2547…, +254…).",
      examples: ["0712345678"],
    }),
  reference: text({ error: "reference is required" })
    .max(100)
    .meta({ description: "Your reference, shown to the customer by M-Pesa.", examples: ["INV-1001"] }),
  description: text().max(100).optional(),
});

export const paymentResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("payment"),
  status: z.enum(["pending", "paid", "failed", "cancelled", "timed_out", "needs_review", "reversed"]),
  amount: amountKesSchema,
  currency: currencySchema,
  phone: z.string().meta({ description: "Masked: 2547******78." }),
  reference: z.string(),
  description: z.string().nullable(),
  checkoutSessionId: z.string().nullable(),
  mpesaReceipt: z.string().nullable(),
  resultCode: z.string().nullable(),
  message: z.string().meta({ description: "Where the payment stands, in plain words." }),
  createdAt: instantSchema,
  settledAt: instantSchema.nullable(),
});

export const paymentListSchema = listSchema(paymentResourceSchema);

export type PaymentResourceCheck = Assert<
  Conforms<ReturnType<typeof toPaymentResource>, z.output<typeof paymentResourceSchema>>
>;
