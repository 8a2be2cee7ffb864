import type { ReconciliationDayView } from "@/lib/payments/reconciliation/reconciliation-day-view";

type Badge = { label: string; className: string };

/** The one state a person reads first: a change after sign-off beats everything else. */
export function dayBadge(
  day: Pick<ReconciliationDayView, "state" | "live" | "signedOff" | "changedAfterSignOffAt">,
): Badge {
  if (day.live)
    return { label: "Today (still open)", className: "bg-slate-100 text-slate-700 ring-slate-300" };
  if (day.changedAfterSignOffAt)
    return { label: "Changed after sign-off", className: "bg-red-50 text-red-800 ring-red-300" };
  if (day.signedOff) return { label: "Signed off", className: "bg-brand-50 text-brand-800 ring-brand-300" };
  if (day.state === "balanced")
    return { label: "Balanced", className: "bg-green-50 text-green-800 ring-green-300" };
  if (day.state === "open_items")
    return { label: "Open items", className: "bg-amber-50 text-amber-900 ring-amber-300" };
  return { label: "Not yet checked", className: "bg-slate-50 text-slate-700 ring-slate-300" };
}

export function DayStateBadge({ day }: { day: Parameters<typeof dayBadge>[0] }) {
  const badge = dayBadge(day);
  return (
    <span
      data-testid="day-state"
      className={`inline-flex items-center whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset print:ring-0 ${badge.className}`}
    >
      {badge.label}
    </span>
  );
}

const dayFormat = new Intl.DateTimeFormat("en-KE", {
  timeZone: "UTC",
  weekday: "short",
  day: "numeric",
  month: "short",
  year: "numeric",
});

/** `2026-12-01` → `Tue, 1 Dec 2026`. */
export function formatDay(day: string): string {
  return dayFormat.format(new Date(`${day}T00:00:00Z`));
}

const cents = new Intl.NumberFormat("en-KE", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Cents (balances, charges and M-Pesa record lines carry them) as `KES 1,250.00`; a dash for none. */
export function formatCents(value: number | null): string {
  return value === null ? "—" : `KES ${cents.format(value / 100)}`;
}
