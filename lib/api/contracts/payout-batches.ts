// The REST API's payout batches as the route parses and answers them. Rows stay unchecked here: the
// core checks every row and a 422 lists each bad one (`error.errors[]`), all or nothing.
import { z } from "zod";
import { PAYOUT_STATUSES } from "../../payments/payouts/find-payouts";
import type { toPayoutBatchResource } from "../../payments/payouts/payout-resource";
import { MAX_BATCH_ROWS } from "../../payments/payouts/request-payout-batch";
import {
  type Assert,
  amountKesSchema,
  type Conforms,
  componentRef,
  currencySchema,
  instantSchema,
} from "./shared";

/** POST /api/v1/payout-batches. Each row is a CreatePayout (see POST /api/v1/payouts). */
export const createPayoutBatchSchema = z.object(
  {
    name: z
      .unknown()
      .optional()
      .meta({ type: "string", minLength: 1, maxLength: 100, examples: ["March payroll"] }),
    payouts: z
      .array(z.unknown().meta(componentRef("CreatePayout")), { error: "payouts must be a list of payouts" })
      .meta({ minItems: 1, maxItems: MAX_BATCH_ROWS }),
  },
  { error: "The body must be a JSON object with name and payouts." },
);

export const payoutBatchResourceSchema = z.object({
  id: z.uuid(),
  object: z.literal("payout_batch"),
  name: z.string(),
  count: z.number().int(),
  total: amountKesSchema,
  currency: currencySchema,
  byStatus: z
    .record(z.string(), z.object({ count: z.number().int(), total: amountKesSchema }))
    .meta({ description: `Keyed by payout status (${PAYOUT_STATUSES.join(", ")}); only statuses present.` }),
  createdAt: instantSchema,
});

export type PayoutBatchResourceCheck = Assert<
  Conforms<ReturnType<typeof toPayoutBatchResource>, z.output<typeof payoutBatchResourceSchema>>
>;
