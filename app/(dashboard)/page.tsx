import type { Metadata } from "next";
import Link from "next/link";
import { DailyChart } from "@/components/daily-chart";
import { PageHeader } from "@/components/page-header";
import { formatKes } from "@/lib/format";
import { getOverview } from "@/lib/payments/get-overview";
import { requireTenant } from "@/lib/session";
import { LiveFeed } from "./page-client";

export const metadata: Metadata = { title: "Overview" };

function Stat({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-4">
      <p className="text-sm text-slate-600">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
      {hint ? <p className="mt-1 text-xs text-slate-500">{hint}</p> : null}
    </div>
  );
}

export default async function OverviewPage() {
  const tenant = await requireTenant("dashboard:view");
  const overview = await getOverview(tenant.db, { merchantId: tenant.merchant.id });
  return (
    <>
      <PageHeader
        title="Overview"
        description={`Money collected and paid out for ${tenant.merchant.name}.`}
      />
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
      <section className="mt-6">
        <div className="mb-2 flex items-baseline justify-between">
          <h2 className="text-sm font-semibold">Latest payments (live)</h2>
          <Link href="/payments" className="text-sm text-brand-700 underline">
            All payments
          </Link>
        </div>
        <LiveFeed merchantId={tenant.merchant.id} />
      </section>
    </>
  );
}
