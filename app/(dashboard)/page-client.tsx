"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState, useTransition } from "react";
import { Button } from "@/components/button";
import { DailyChart } from "@/components/daily-chart";
import { PaymentStatus } from "@/components/payment-status";
import { formatKes, formatNairobiTime } from "@/lib/format";
import type { LatestBalance } from "@/lib/payments/balances/get-latest-balance";
import type { Overview } from "@/lib/payments/collections/get-overview";
import type { toPaymentResource } from "@/lib/payments/collections/payment-resource";
import { queryKeys } from "@/lib/query-keys";
import { refreshBalanceAction } from "./actions";

type Row = ReturnType<typeof toPaymentResource>;

export function LiveFeed({ merchantId }: { merchantId: string }) {
  const feed = useQuery({
    queryKey: queryKeys.payments(merchantId, "limit=10"),
    queryFn: async () => {
      const res = await fetch("/api/dashboard/payments?limit=10", { cache: "no-store" });
      if (!res.ok) throw new Error("Could not load payments");
      return ((await res.json()) as { data: Row[] }).data;
    },
    refetchInterval: 3_000,
  });
  if (feed.isPending) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!feed.data?.length)
    return <p className="text-sm text-slate-500">No payments yet: they appear here as customers pay.</p>;
  return (
    <ul
      className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white"
      data-testid="live-feed"
    >
      {feed.data.map((p) => (
        <li key={p.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-2 text-sm">
          <span className="flex items-center gap-2">
            <PaymentStatus status={p.status} />
            <span className="font-medium">{p.reference}</span>
            <span className="font-mono text-xs text-slate-500">{p.phone}</span>
          </span>
          <span className="flex items-center gap-3">
            <span className="tabular-nums">{formatKes(p.amount)}</span>
            <span className="text-slate-500">{formatNairobiTime(new Date(p.createdAt))}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4">
      <p className="text-sm text-slate-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
    </div>
  );
}

/** The figures and the chart, rendered on the server first, then kept live (every 5 s). */
export function OverviewFigures({ merchantId, initial }: { merchantId: string; initial: Overview }) {
  const { data: overview = initial } = useQuery({
    queryKey: queryKeys.overview(merchantId),
    queryFn: async () => {
      const res = await fetch("/api/dashboard/overview", { cache: "no-store" });
      if (!res.ok) throw new Error("Could not load the overview");
      return (await res.json()) as Overview;
    },
    initialData: initial,
    refetchInterval: 5_000,
  });
  return (
    <>
      <div className="grid gap-3 sm:grid-cols-3 lg:grid-cols-5" data-testid="overview-stats">
        <Stat
          label="Collected today"
          value={formatKes(overview.today.collected)}
          hint={`${overview.today.payments} attempts`}
        />
        <Stat
          label="Collected this week"
          value={formatKes(overview.week.collected)}
          hint={`${overview.week.payments} attempts`}
        />
        <Stat
          label="Success rate (30 days)"
          value={overview.successRate === null ? "—" : `${Math.round(overview.successRate * 100)}%`}
        />
        <Stat label="Pending now" value={String(overview.pending)} />
        <Stat
          label="Open mismatches"
          value={String(overview.openReviews)}
          hint={overview.openReviews ? "Needs a person" : undefined}
        />
      </div>
      <section className="mt-6 rounded-xl border border-slate-200 bg-white p-4">
        <h2 className="mb-2 text-sm font-semibold">Last 30 days</h2>
        <DailyChart daily={overview.daily} />
      </section>
    </>
  );
}

const shillings = new Intl.NumberFormat("en-KE", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const clock = new Intl.DateTimeFormat("en-KE", {
  timeZone: "Africa/Nairobi",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const day = new Intl.DateTimeFormat("en-KE", { timeZone: "Africa/Nairobi", dateStyle: "medium" });

/** "as of 14:32", with the date when it is not today (Nairobi time). */
function asOf(date: Date): string {
  const when = new Date(date);
  const sameDay = day.format(when) === day.format(new Date());
  return `as of ${sameDay ? "" : `${day.format(when)} `}${clock.format(when)}`;
}

/**
 * The B2C utility balance (what payouts are paid from) as M-Pesa last reported it, and a button
 * to ask again; the page re-renders every 2 s until the answer arrives (at most 30 s).
 */
export function BalanceCard({ latest }: { latest: LatestBalance }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [message, setMessage] = useState<string | null>(null);
  /** The request being waited for (server time) and when the wait began (this browser's time). */
  const [awaiting, setAwaiting] = useState<{ requestedAt: number; since: number } | null>(null);

  useEffect(() => {
    if (!awaiting) return;
    const last = latest.lastRequest;
    if (last?.answeredAt && new Date(last.requestedAt).getTime() >= awaiting.requestedAt) {
      setAwaiting(null);
      setMessage(last.ok ? null : `M-Pesa answered: ${last.resultDesc ?? "the request failed"}`);
      return;
    }
    if (Date.now() - awaiting.since > 30_000) {
      setAwaiting(null);
      setMessage("M-Pesa has not answered yet: the figure updates when it does.");
      return;
    }
    const timer = setTimeout(() => router.refresh(), 2_000);
    return () => clearTimeout(timer);
  }, [awaiting, latest, router]);

  const utility = latest.balance?.utilityAvailableCents;
  return (
    <section
      className="mt-6 flex flex-wrap items-center justify-between gap-3 rounded-xl border border-slate-200 bg-white p-4"
      data-testid="balance-card"
    >
      <div>
        <p className="text-sm text-slate-600">B2C utility balance (pays payouts)</p>
        <p className="mt-1 text-2xl font-semibold tabular-nums">
          {utility === null || utility === undefined ? "—" : `KES ${shillings.format(utility / 100)}`}
        </p>
        <p className="mt-1 text-xs text-slate-500" aria-live="polite">
          {latest.balance ? asOf(latest.balance.asOf) : "Not asked yet"}
          {awaiting ? " · asking M-Pesa…" : message ? ` · ${message}` : ""}
        </p>
      </div>
      <Button
        variant="secondary"
        disabled={pending || awaiting !== null}
        onClick={() =>
          startTransition(async () => {
            const result = await refreshBalanceAction();
            setMessage(result.ok ? null : result.message);
            if (result.requestedAt)
              setAwaiting({ requestedAt: Date.parse(result.requestedAt), since: Date.now() });
            router.refresh();
          })
        }
      >
        Refresh balance
      </Button>
    </section>
  );
}
