// The REST API's on-demand Pull Transactions as the route parses and answers it.
import { z } from "zod";
import { type PullCounts, pullWindowSchema } from "../../payments/reconciliation/pull-transactions";
import type { Assert, Conforms } from "./shared";
import { instantSchema } from "./shared";

export { pullWindowSchema };

const count = z.number().int().min(0);

export const reconciliationPullSchema = z.object({
  object: z.literal("reconciliation_pull"),
  windowStart: instantSchema,
  windowEnd: instantSchema,
  pages: count,
  rows: count.meta({ description: "Lines of M-Pesa's record read." }),
  newRecords: count,
  duplicates: count,
  matched: count,
  recovered: count.meta({ description: "Payments M-Pesa shows as paid that Malipo had not settled." }),
  receiptsCompleted: count,
  opened: z.record(z.string(), count).meta({ description: "Review items opened, by kind." }),
  missingAtMpesa: z.object({ payments: count, c2bTransactions: count, payouts: count, reversals: count }),
});

export type ReconciliationPullCheck = Assert<
  Conforms<PullCounts & { object: "reconciliation_pull" }, z.output<typeof reconciliationPullSchema>>
>;
