// Words for what a statement import found, shared by the list and an import's page.

/** Review item kinds as people read them. */
export const ITEM_LABELS: Record<string, string> = {
  not_in_malipo: "On M-Pesa, not in Malipo",
  not_in_mpesa: "In Malipo, not on M-Pesa",
  record_amount_mismatch: "Amount differs",
  unmatched_c2b: "Paybill money matching no checkout",
  late_success: "Paid after it timed out",
};

export const STATE_LABELS: Record<string, string> = {
  processing: "Importing…",
  done: "Imported",
  failed: "Failed",
};

/** "2 not in Malipo, 1 amount differs" from the summary's `opened`, or "none". */
export function openedText(summary: unknown): string {
  const opened = (summary as { opened?: Record<string, number> } | null)?.opened ?? {};
  const parts = Object.entries(opened)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${(ITEM_LABELS[kind] ?? kind).toLowerCase()}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

const day = new Intl.DateTimeFormat("en-KE", { timeZone: "Africa/Nairobi", dateStyle: "medium" });

/** The period a statement covers, as Kenyan days ("1 Dec 2026", or "1 Dec 2026 – 3 Dec 2026"). */
export function periodText(start: Date | null, end: Date | null): string {
  if (!start || !end) return "—";
  const first = day.format(start);
  // The end is exclusive: the last day covered is the one a millisecond before it.
  const last = day.format(new Date(end.getTime() - 1));
  return first === last ? first : `${first} – ${last}`;
}
