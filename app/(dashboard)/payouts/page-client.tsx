"use client";

import { useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/empty-state";
import { ListFooter } from "@/components/list-footer";
import { fetchListPage, useLiveList } from "@/components/use-live-list";
import { formatKes, formatNairobiTime } from "@/lib/format";
import type { QueueRow } from "@/lib/payments/payouts/find-payout-queue";
import type { PayoutTab } from "@/lib/payments/payouts/find-payouts";
import { queryKeys } from "@/lib/query-keys";
import { COMMAND_LABELS, recipientText, TAB_LABELS } from "./_components/labels";
import { PayoutActions } from "./_components/payout-actions";
import { PayoutStatus } from "./_components/payout-status";

type Page = { data: QueueRow[]; nextCursor: string | null; counts: Record<PayoutTab, number> };

const fetchPage = (tab: PayoutTab, cursor?: string) =>
  fetchListPage<Page>("/api/dashboard/payouts", new URLSearchParams({ tab }), "payouts", cursor);

export function PayoutQueue({
  merchantId,
  tab,
  initial,
  mayApprove,
  isOwner,
}: {
  merchantId: string;
  tab: PayoutTab;
  initial: Page;
  mayApprove: boolean;
  isOwner: boolean;
}) {
  const queryClient = useQueryClient();
  // Polled every 3 s like the payments list: statuses move by themselves as M-Pesa answers.
  const { data, rows, footer } = useLiveList<QueueRow, Page>({
    queryKey: queryKeys.payouts(merchantId, tab),
    initial,
    fetchPage: (cursor) => fetchPage(tab, cursor),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["payouts", merchantId] });

  return (
    <div className="space-y-4">
      <nav aria-label="Payout tabs" className="flex flex-wrap gap-1 text-sm">
        {(Object.keys(TAB_LABELS) as PayoutTab[]).map((t) => (
          <Link
            key={t}
            href={`/payouts?tab=${t}`}
            aria-current={t === tab ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 ${t === tab ? "bg-slate-900 text-white" : "border border-slate-300 bg-white"}`}
          >
            {TAB_LABELS[t]}{" "}
            <span className="tabular-nums" data-testid={`payout-tab-count-${t}`}>
              ({data.counts[t]})
            </span>
          </Link>
        ))}
      </nav>
      {rows.length === 0 ? (
        <EmptyState title="Nothing here">
          {tab === "waiting_for_me"
            ? mayApprove
              ? "No payout is waiting for your approval."
              : "Your role does not approve payouts for this merchant."
            : "Payouts appear here as they move."}
        </EmptyState>
      ) : (
        <DataTable
          columns={[
            { label: "When (EAT)" },
            { label: "Amount", align: "right" },
            { label: "Recipient" },
            { label: "Type" },
            { label: "Requested by" },
            { label: "Approvals" },
            { label: "Status" },
            { label: "" },
          ]}
          testId="payouts-table"
        >
          {rows.map((p) => (
            <tr key={p.id} data-payout-id={p.id}>
              <td className="whitespace-nowrap text-slate-600">
                <Link href={`/payouts/${p.id}`} className="text-brand-700 underline-offset-2 hover:underline">
                  {formatNairobiTime(new Date(p.createdAt))}
                </Link>
              </td>
              <td className="whitespace-nowrap text-right font-medium tabular-nums">{formatKes(p.amount)}</td>
              <td className="font-mono text-xs">{recipientText(p.recipient)}</td>
              <td>{COMMAND_LABELS[p.command] ?? p.command}</td>
              <td className="max-w-40 truncate text-slate-600" title={p.requester}>
                {p.requestedByMe ? "You" : p.requester}
              </td>
              <td className="tabular-nums">
                {p.approvals}/{p.approvalsRequired}
              </td>
              <td>
                <PayoutStatus status={p.status} />
              </td>
              <td>
                <PayoutActions
                  payoutId={p.id}
                  mayDecide={mayApprove && !p.requestedByMe && p.status === "pending_approval"}
                  mayCancel={
                    (p.requestedByMe || isOwner) &&
                    (p.status === "pending_approval" || (p.status === "approved" && !p.submittedAt))
                  }
                  onDone={refresh}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <ListFooter noun="payouts" {...footer} />
    </div>
  );
}
