import { stringify } from "csv-stringify/sync";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { csvCell } from "../csv";
import { findReconciliationDays } from "./find-reconciliation-days";
import type { ReconciliationDayView } from "./reconciliation-day-view";
import { addKenyanDays, earlierDay, kenyanDaysBetween } from "./reconciliation-figures";
import { MAX_REFRESH_DAYS } from "./refresh-reconciliation-days";

/** A year at most per download, read a slice of MAX_REFRESH_DAYS days at a time. */
export const MAX_EXPORT_DAYS = 366;

const COLUMNS = [
  "day",
  "state",
  "signed_off_at",
  "signed_off_by",
  "changed_after_sign_off_at",
  "collected_kes",
  "collected_count",
  "attempts",
  "c2b_received_kes",
  "c2b_received_count",
  "paid_out_kes",
  "paid_out_count",
  "reversed_kes",
  "reversed_count",
  "charges_from_results_kes",
  "charges_from_mpesa_record_kes",
  "opening_balance_kes",
  "closing_balance_kes",
  "balance_source",
  "mpesa_record_covered",
  "mpesa_in_count",
  "mpesa_in_kes",
  "mpesa_out_count",
  "mpesa_out_kes",
  "confirmed_in_count",
  "confirmed_out_count",
  "open_items",
];

const kes = (cents: number | null) => (cents === null ? null : (cents / 100).toFixed(2));

function cells(d: ReconciliationDayView): (string | number | null)[] {
  const f = d.figures;
  const attempts = Object.values(f.payments).reduce((n, s) => n + s.count, 0);
  return [
    d.day,
    d.live ? "today" : d.state,
    d.signedOff?.at.toISOString() ?? null,
    d.signedOff?.byLabel ?? null,
    d.changedAfterSignOffAt?.toISOString() ?? null,
    f.collected.amountKes,
    f.collected.count,
    attempts,
    f.c2bReceived.amountKes,
    f.c2bReceived.count,
    f.paidOut.amountKes,
    f.paidOut.count,
    f.reversed.amountKes,
    f.reversed.count,
    kes(f.charges.fromResultsCents),
    kes(f.charges.fromMpesaRecordCents),
    kes(f.balance.openingCents),
    kes(f.balance.closingCents),
    f.balance.source,
    f.mpesaRecord.covered ? "yes" : "no",
    f.mpesaRecord.moneyIn.count,
    kes(f.mpesaRecord.moneyIn.amountCents),
    f.mpesaRecord.moneyOut.count,
    kes(f.mpesaRecord.moneyOut.amountCents),
    f.mpesaRecord.confirmedIn.count,
    f.mpesaRecord.confirmedOut.count,
    f.openItems,
  ];
}

/** Reconciliation days `from`..`to` as CSV, oldest first, one line per day (amounts in KES). */
export function exportReconciliationCsv(
  db: DbClient,
  options: { merchantId: string; from: string; to: string; now?: Date },
): ReadableStream<Uint8Array> {
  const total = kenyanDaysBetween(options.from, options.to).length;
  if (total === 0 || total > MAX_EXPORT_DAYS)
    throw new AppError("bad_request", `Choose from 1 to ${MAX_EXPORT_DAYS} days.`);
  const encoder = new TextEncoder();
  let next = options.from;
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(stringify([COLUMNS])));
      }
      if (next > options.to) return controller.close();
      const sliceEnd = addKenyanDays(next, MAX_REFRESH_DAYS - 1);
      const to = earlierDay(sliceEnd, options.to);
      const days = await findReconciliationDays(db, { ...options, from: next, to });
      next = addKenyanDays(to, 1);
      if (days.length > 0)
        controller.enqueue(encoder.encode(stringify(days.reverse().map((d) => cells(d).map(csvCell)))));
    },
  });
}
