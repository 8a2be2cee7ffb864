import type { Metadata } from "next";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { requireTenant } from "@/lib/session";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const tenant = await requireTenant("dashboard:view");
  return (
    <>
      <PageHeader
        title="Overview"
        description={`Money collected and paid out for ${tenant.merchant.name}.`}
      />
      <EmptyState title="No payments yet">
        Once customers pay by M-Pesa, today&apos;s and this week&apos;s totals, success rate and a live feed
        show here.
      </EmptyState>
    </>
  );
}
