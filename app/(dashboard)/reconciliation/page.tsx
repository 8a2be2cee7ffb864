import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { displayCache } from "@/lib/display-cache";
import { formatKes } from "@/lib/format";
import { computeReconciliationDay } from "@/lib/payments/reconciliation/compute-reconciliation-day";
import { findReconciliationDays } from "@/lib/payments/reconciliation/find-reconciliation-days";
import {
  type ReconciliationDayView,
  viewOfLiveDay,
} from "@/lib/payments/reconciliation/reconciliation-day-view";
import {
  addKenyanDays,
  earlierDay,
  todayInKenya,
} from "@/lib/payments/reconciliation/reconciliation-figures";
import { requireTenant } from "@/lib/session";
import { DayStateBadge, formatCents, formatDay } from "./_components/day-state";

export const metadata: Metadata = { title: "Reconciliation" };

const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/);

/** First and last day of a `YYYY-MM` month, and the months either side. */
function monthRange(month: string) {
  const [y, m] = month.split("-").map(Number) as [number, number];
  const from = `${month}-01`;
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 7);
  const previous = new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
  return { from, to: addKenyanDays(`${next}-01`, -1), next, previous };
}

/**
 * Today's figures, computed live from the day's rows (most of this page's time), reused for 15 s
 * per merchant: a list to glance at, where money settling seconds ago may show on the next load.
 * Today's own page (/reconciliation/[day]) and signing off still compute afresh.
 */
const TODAY_CACHE_MS = 15_000;
const todayCache = displayCache<ReconciliationDayView>({ ttlMs: TODAY_CACHE_MS });

const monthLabel = new Intl.DateTimeFormat("en-KE", { timeZone: "UTC", month: "long", year: "numeric" });

export default async function ReconciliationPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const tenant = await requireTenant("payments:view");
  const today = todayInKenya(new Date());
  const asked = monthSchema.safeParse((await searchParams).month);
  const month = asked.success && asked.data <= today.slice(0, 7) ? asked.data : today.slice(0, 7);
  const { from, to, next, previous } = monthRange(month);
  const merchantId = tenant.merchant.id;
  const yesterday = addKenyanDays(today, -1);
  const [past, live] = await Promise.all([
    findReconciliationDays(tenant.db, { merchantId, from, to: earlierDay(to, yesterday) }),
    to >= today
      ? todayCache.get(`${merchantId}:${today}`, async () =>
          viewOfLiveDay(await computeReconciliationDay(tenant.db, { merchantId, day: today })),
        )
      : null,
  ]);
  const days = live ? [live, ...past] : past;
  return (
    <>
      <PageHeader
        title="Reconciliation"
        description="Each Kenyan day: what Malipo recorded, what M-Pesa's own record confirms, and what still needs a person. Sign a day off once it balances."
        actions={
          <div className="flex flex-wrap gap-2 text-sm">
            <Link
              href="/reconciliation/statements"
              className="rounded-md border border-slate-300 bg-white px-3 py-2 font-medium text-slate-800 hover:bg-slate-50"
            >
              Statement imports
            </Link>
            <a
              href={`/reconciliation/export?from=${from}&to=${earlierDay(to, today)}`}
              className="rounded-md border border-slate-300 bg-white px-3 py-2 font-medium text-slate-800 hover:bg-slate-50"
            >
              Download CSV
            </a>
          </div>
        }
      />
      <nav aria-label="Month" className="mb-4 flex items-center justify-between gap-2 text-sm">
        <Link href={`/reconciliation?month=${previous}`} className="text-brand-700 underline">
          ← {monthLabel.format(new Date(`${previous}-01T00:00:00Z`))}
        </Link>
        <h2 className="font-semibold">{monthLabel.format(new Date(`${month}-01T00:00:00Z`))}</h2>
        {next <= today.slice(0, 7) ? (
          <Link href={`/reconciliation?month=${next}`} className="text-brand-700 underline">
            {monthLabel.format(new Date(`${next}-01T00:00:00Z`))} →
          </Link>
        ) : (
          <span />
        )}
      </nav>
      {days.length === 0 ? (
        <EmptyState title="No days yet">Days appear here from the first day of the month.</EmptyState>
      ) : (
        <ul className="space-y-2" data-testid="reconciliation-days">
          {days.map((d) => {
            const f = d.figures;
            return (
              <li key={d.day}>
                <Link
                  href={`/reconciliation/${d.day}`}
                  data-testid={`day-${d.day}`}
                  className="block rounded-xl border border-slate-200 bg-white p-4 text-sm hover:border-brand-300"
                >
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span className="font-semibold">{formatDay(d.day)}</span>
                    <DayStateBadge day={d} />
                  </div>
                  <dl className="mt-3 grid grid-cols-2 gap-x-4 gap-y-2 sm:grid-cols-5">
                    <Figure
                      label="Collected"
                      value={formatKes(f.collected.amountKes + f.c2bReceived.amountKes)}
                    />
                    <Figure label="Paid out" value={formatKes(f.paidOut.amountKes)} />
                    <Figure label="Reversed" value={formatKes(f.reversed.amountKes)} />
                    <Figure label="Closing balance" value={formatCents(f.balance.closingCents)} />
                    <Figure label="Open items" value={String(f.openItems)} />
                  </dl>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="font-medium tabular-nums">{value}</dd>
    </div>
  );
}
