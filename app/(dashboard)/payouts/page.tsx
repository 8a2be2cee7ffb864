import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { getLatestBalance } from "@/lib/payments/balances/get-latest-balance";
import { countPayoutTabs } from "@/lib/payments/payouts/count-payout-tabs";
import { findPayoutQueue, toQueueRow } from "@/lib/payments/payouts/find-payout-queue";
import { PAYOUT_TABS, type PayoutTab } from "@/lib/payments/payouts/find-payouts";
import { getPayoutViewer } from "@/lib/payments/payouts/get-payout-viewer";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { BalanceCard } from "../page-client";
import { CsvUploadForm, NewPayoutForm } from "./_components/request-forms";
import { loadReversalsQueue, ReversalsQueue } from "./_components/reversals-queue";
import { PayoutQueue } from "./page-client";

export const metadata: Metadata = { title: "Payouts" };

export default async function PayoutsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const tenant = await requireTenant("payouts:view");
  const asked = (await searchParams).tab;
  const merchantId = tenant.merchant.id;
  // The balance and the reversals do not depend on who is looking: asked for at once.
  const besides = Promise.all([
    getLatestBalance(tenant.db, { merchantId, environment: tenant.merchant.environment }),
    loadReversalsQueue(tenant.db, merchantId),
  ]);
  // Awaited below; marked handled now so a failure while the viewer is read cannot go unhandled.
  besides.catch(() => {});
  const { viewer } = await getPayoutViewer(tenant.db, {
    merchantId,
    userId: tenant.user.id,
    role: tenant.role,
  });
  // Approvers land on what waits for them; everyone else on what waits for others.
  const tab: PayoutTab =
    PAYOUT_TABS.find((t) => t === asked) ?? (viewer.mayApprove ? "waiting_for_me" : "waiting_for_others");
  const [page, counts, [balance, reversals]] = await Promise.all([
    findPayoutQueue(tenant.db, { merchantId, viewer, tab }),
    countPayoutTabs(tenant.db, { merchantId, viewer }),
    besides,
  ]);
  const mayRequest = can(tenant.role, "payouts:request");
  return (
    <>
      <PageHeader
        title="Payouts"
        description="Money leaving to phones (B2C) and to paybills and tills (B2B). One person requests, someone else approves. The list updates by itself."
        actions={
          <div className="flex flex-wrap gap-2">
            <a
              href="#reversals"
              className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
            >
              Reversals ({reversals.pending} waiting)
            </a>
            <a
              href={`/api/dashboard/payouts/export?tab=${tab}`}
              className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
            >
              Export CSV
            </a>
          </div>
        }
      />
      {balance ? (
        <div className="-mt-2 mb-6">
          <BalanceCard latest={balance} />
        </div>
      ) : null}
      <PayoutQueue
        merchantId={merchantId}
        tab={tab}
        initial={{ data: page.data.map((p) => toQueueRow(p, viewer)), nextCursor: page.nextCursor, counts }}
        mayApprove={viewer.mayApprove}
        isOwner={tenant.role === "owner"}
      />
      <ReversalsQueue queue={reversals} userId={tenant.user.id} mayApprove={viewer.mayApprove} />
      {mayRequest ? (
        <div className="mt-6 grid gap-4 lg:grid-cols-2">
          <NewPayoutForm />
          <CsvUploadForm />
        </div>
      ) : null}
    </>
  );
}
