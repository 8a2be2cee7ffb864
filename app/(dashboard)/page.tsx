import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/page-header";
import { getLatestBalance } from "@/lib/payments/balances/get-latest-balance";
import { getOverview, overviewPastDays } from "@/lib/payments/collections/get-overview";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { BalanceCard, LiveFeed, OverviewFigures } from "./page-client";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const tenant = await requireTenant("dashboard:view");
  const [overview, balance] = await Promise.all([
    getOverview(tenant.db, { merchantId: tenant.merchant.id, pastDays: overviewPastDays }),
    can(tenant.role, "payouts:view")
      ? getLatestBalance(tenant.db, {
          merchantId: tenant.merchant.id,
          environment: tenant.merchant.environment,
        })
      : null,
  ]);
  return (
    <>
      <PageHeader
        title="Overview"
        description={`Money collected and paid out for ${tenant.merchant.name}.`}
      />
      <OverviewFigures merchantId={tenant.merchant.id} initial={overview} />
      {balance ? <BalanceCard latest={balance} /> : null}
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
