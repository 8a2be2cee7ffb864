"use client";

import { useQuery } from "@tanstack/react-query";
import { PaymentStatus } from "@/components/payment-status";
import { formatKes, formatNairobiTime } from "@/lib/format";
import type { toPaymentResource } from "@/lib/payments/payment-resource";
import { queryKeys } from "@/lib/query-keys";

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
