import type { DbClient } from "../../db-types";
import { type ParsedPayoutCsv, parsePayoutCsv } from "./payout-csv";
import { type PayoutsDeps, payoutRequestContext } from "./request-payout";

/**
 * What an uploaded payout CSV would queue, checked against the merchant's current policy: the
 * valid rows' count and total and every bad row with its line and column. Stores nothing.
 */
export async function previewPayoutCsv(
  db: DbClient,
  deps: PayoutsDeps,
  options: { merchantId: string; csv: string },
): Promise<ParsedPayoutCsv> {
  const { maxAmount } = await payoutRequestContext(db, deps, options.merchantId);
  return parsePayoutCsv(options.csv, { maxAmount });
}
