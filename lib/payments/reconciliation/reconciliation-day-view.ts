import type { ReconciliationDay } from "../../../prisma/generated/prisma/client";
import type { ComputedReconciliationDay } from "./compute-reconciliation-day";
import {
  dateColumnDay,
  type ReconciliationFigures,
  type ReconciliationState,
  reconciliationFiguresSchema,
} from "./reconciliation-figures";

/** A reconciliation day as pages, the CSV export and the Overview read it. */
export interface ReconciliationDayView {
  day: string;
  state: ReconciliationState;
  figures: ReconciliationFigures;
  fingerprint: string;
  /** Today: computed on each read, never stored or signed off. */
  live: boolean;
  computedAt: Date | null;
  signedOff: {
    at: Date;
    byLabel: string;
    note: string | null;
    fingerprint: string;
  } | null;
  /** Set when the day's figures or open items changed after it was signed off. */
  changedAfterSignOffAt: Date | null;
}

export function viewOfStoredDay(row: ReconciliationDay): ReconciliationDayView {
  const figures = reconciliationFiguresSchema.parse(row.figures);
  return {
    day: dateColumnDay(row.day),
    state: row.state as ReconciliationState,
    figures,
    fingerprint: row.fingerprint ?? "",
    live: false,
    computedAt: row.computedAt,
    signedOff:
      row.signedOffAt && row.signedOffFingerprint
        ? {
            at: row.signedOffAt,
            byLabel: row.signedOffByLabel ?? "",
            note: row.signedOffNote,
            fingerprint: row.signedOffFingerprint,
          }
        : null,
    changedAfterSignOffAt: row.changedAfterSignOffAt,
  };
}

export function viewOfLiveDay(computed: ComputedReconciliationDay): ReconciliationDayView {
  return {
    day: computed.day,
    state: computed.state,
    figures: computed.figures,
    fingerprint: computed.fingerprint,
    live: true,
    computedAt: null,
    signedOff: null,
    changedAfterSignOffAt: null,
  };
}
