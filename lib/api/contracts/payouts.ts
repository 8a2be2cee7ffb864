// The REST API's payouts as the routes parse and answer them. The body's keys are kept as sent and
// checked field by field by the core (checkPayoutFields), so a 422 can name every bad field; the
// `.meta()` below documents what that check accepts without changing what the route parses.
import { z } from "zod";
import { PAYOUT_STATUSES, payoutListQuerySchema } from "../../payments/payouts/find-payouts";
import {
  B2B_COMMANDS,
  B2C_COMMANDS,
  MIN_PAYOUT_KES,
  payoutFieldsSchema,
} from "../../payments/payouts/payout-input";
import type { toPayoutResource } from "../../payments/payouts/payout-resource";
import {
  type Assert,
  amountKesSchema,
  type Conforms,
  currencySchema,
  instantSchema,
  listSchema,
} from "./shared";

export { payoutListQuerySchema };

const field = payoutFieldsSchema.shape;

/** POST /api/v1/payouts, and each row of POST /api/v1/payout-batches. */
export const createPayoutSchema = payoutFieldsSchema.extend({
  kind: field.kind.meta({
    type: "string",
    enum: ["b2c", "b2b"],
    description: "Inferred from `command` when absent.",
  }),
  command: field.command.meta({
    type: "string",
    enum: [...B2C_COMMANDS, ...B2B_COMMANDS],
    description: "B2C (to a phone) or B2B (to a paybill or till).",
    examples: ["BusinessPayment"],
  }),
  amount: field.amount.meta({
    type: "integer",
    minimum: MIN_PAYOUT_KES,
    description: `Whole KES, ${MIN_PAYOUT_KES} up to the merchant's per-payout maximum.`,
    examples: [1500],
  }),
  phone: field.phone.meta({ type: "string", description: "B2C: the recipient's Kenyan mobile number." }),
  shortcode: field.shortcode.meta({
    type: "string",
    pattern: "^\\d{5,7}$",
    description: "B2B: the paybill or till number.",
  }),
  accountReference: field.accountReference.meta({
    type: "string",
    maxLength: 12,
    description: "B2B paybill: the account at the paybill.",
  }),
  remarks: field.remarks.meta({
    type: "string",
    minLength: 2,
    maxLength: 100,
    examples: ["March commission"],
  }),
  occasion: field.occasion.meta({ type: "string", maxLength: 100 }),
});

export const payoutResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("payout"),
  status: z.enum(PAYOUT_STATUSES),
  kind: z.enum(["b2c", "b2b"]),
  command: z.enum([...B2C_COMMANDS, ...B2B_COMMANDS]),
  amount: amountKesSchema,
  currency: currencySchema,
  recipient: z.union([
    z.object({ phone: z.string().nullable().meta({ description: "Masked." }) }),
    z.object({ shortcode: z.string().nullable(), accountReference: z.string().nullable() }),
  ]),
  remarks: z.string(),
  occasion: z.string().nullable(),
  receipt: z.string().nullable(),
  recipientName: z.string().nullable(),
  resultCode: z.string().nullable(),
  message: z.string().meta({ description: "Where the payout stands, in plain words." }),
  batchId: z.string().nullable(),
  createdAt: instantSchema,
  approvedAt: instantSchema.nullable(),
  submittedAt: instantSchema.nullable(),
  settledAt: instantSchema.nullable(),
});

export const payoutListSchema = listSchema(payoutResourceSchema);

export type PayoutResourceCheck = Assert<
  Conforms<ReturnType<typeof toPayoutResource>, z.output<typeof payoutResourceSchema>>
>;
