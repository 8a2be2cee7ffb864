// The REST API's reversals (refunds of paid payments) as the routes parse and answer them.
import { z } from "zod";
import { REVERSAL_STATUSES, reversalListQuerySchema } from "../../payments/reversals/find-reversals";
import { reversalFieldsSchema } from "../../payments/reversals/request-reversal";
import type { toReversalResource } from "../../payments/reversals/reversal-resource";
import {
  type Assert,
  amountKesSchema,
  type Conforms,
  currencySchema,
  instantSchema,
  listSchema,
} from "./shared";

export { reversalListQuerySchema };

/** POST /api/v1/payments/{id}/reversal. The amount is checked by the core against what was paid. */
export const createReversalSchema = reversalFieldsSchema.extend({
  amount: reversalFieldsSchema.shape.amount.meta({
    type: "integer",
    minimum: 1,
    description: "Whole KES to send back; what was paid when absent, never more.",
  }),
  reason: reversalFieldsSchema.shape.reason.meta({ examples: ["Customer returned the goods"] }),
});

export const reversalResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("reversal"),
  status: z.enum(REVERSAL_STATUSES),
  paymentId: z.uuid(),
  originalReceipt: z.string(),
  amount: amountKesSchema,
  currency: currencySchema,
  reason: z.string(),
  receipt: z.string().nullable(),
  resultCode: z.string().nullable(),
  message: z.string().meta({ description: "Where the reversal stands, in plain words." }),
  approvalsRequired: z.number().int(),
  createdAt: instantSchema,
  approvedAt: instantSchema.nullable(),
  submittedAt: instantSchema.nullable(),
  settledAt: instantSchema.nullable(),
});

export const reversalListSchema = listSchema(reversalResourceSchema);

export type ReversalResourceCheck = Assert<
  Conforms<ReturnType<typeof toReversalResource>, z.output<typeof reversalResourceSchema>>
>;
