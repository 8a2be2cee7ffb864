import type { PayoutBatch } from "../../../prisma/generated/prisma/client";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import type { PayoutCsvProblem } from "./payout-csv";
import { previewPayoutCsv } from "./preview-payout-csv";
import { assertMayRequest, type PayoutRequester, type PayoutsDeps } from "./request-payout";
import { requestPayoutBatch } from "./request-payout-batch";

/**
 * Requests the valid rows of an uploaded payout CSV as one batch waiting for approval, each
 * payout keeping its line number; bad rows are left out and returned, so the page can say which.
 * The file is checked again here (the preview's answer is not trusted), and requestPayoutBatch
 * checks every row once more under the same rules.
 */
export async function queuePayoutCsv(
  db: DbClient,
  deps: PayoutsDeps,
  options: { merchantId: string; requester: PayoutRequester; name: unknown; csv: string },
): Promise<{ batch: PayoutBatch; excluded: PayoutCsvProblem[] }> {
  assertMayRequest(options.requester);
  const parsed = await previewPayoutCsv(db, deps, options);
  if (parsed.valid.length === 0)
    throw new AppError("validation_failed", "No row of the file is a valid payout: nothing was queued.", {
      field: "file",
    });
  const batch = await requestPayoutBatch(db, deps, {
    merchantId: options.merchantId,
    requester: options.requester,
    name: options.name,
    payouts: parsed.valid.map((r) => r.fields),
    rowNumbers: parsed.valid.map((r) => r.row),
  });
  return { batch, excluded: parsed.invalid };
}
