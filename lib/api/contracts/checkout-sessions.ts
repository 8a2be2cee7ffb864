// The REST API's checkout sessions (hosted checkout pages) as the routes parse and answer them.
import { z } from "zod";
import { createCheckoutSessionSchema } from "../../payments/collections/create-checkout-session";
import type { toCheckoutSessionResource } from "../../payments/collections/payment-resource";
import { type Assert, amountKesSchema, type Conforms, currencySchema, instantSchema } from "./shared";

export { createCheckoutSessionSchema };

export const checkoutSessionResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("checkout_session"),
  url: z.url().meta({ description: "The hosted page to send the customer to." }),
  status: z.enum(["open", "paid", "expired", "cancelled"]),
  amount: amountKesSchema,
  currency: currencySchema,
  reference: z.string(),
  description: z.string().nullable(),
  expiresAt: instantSchema,
  paidAt: instantSchema.nullable(),
  createdAt: instantSchema,
});

export type CheckoutSessionResourceCheck = Assert<
  Conforms<ReturnType<typeof toCheckoutSessionResource>, z.output<typeof checkoutSessionResourceSchema>>
>;
