import type { Metadata } from "next";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { formatNairobiTime } from "@/lib/format";
import { CALLBACK_KIND_LABELS } from "@/lib/payments/callbacks/callback-kind-labels";
import { countSetAsideCallbacks } from "@/lib/payments/callbacks/callback-spool";
import { findCallbacks } from "@/lib/payments/callbacks/find-callbacks";
import { findRefusedCallbacks } from "@/lib/payments/callbacks/find-refused-callbacks";
import type { RefusalReason } from "@/lib/payments/callbacks/record-refused-callback";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { ReplayButton } from "./page-client";

export const metadata: Metadata = { title: "Callbacks" };

const STATE_STYLES: Record<string, string> = {
  pending: "bg-sky-100 text-sky-900",
  processed: "bg-green-100 text-green-900",
  failed: "bg-orange-100 text-orange-900",
  dead: "bg-red-100 text-red-900",
};

const REFUSAL_LABELS: Record<RefusalReason, string> = {
  wrong_secret: "Wrong secret in the URL",
  unknown_merchant: "Unknown merchant",
  address_not_allowed: "Address not allowed",
  too_large: "Body too large",
  unknown_kind: "Unknown callback kind",
};

export default async function CallbacksPage() {
  const tenant = await requireTenant("callbacks:view");
  const mayViewSecurity = can(tenant.role, "security:view");
  const [{ inbox, calls }, refused] = await Promise.all([
    findCallbacks(tenant.db, { merchantId: tenant.merchant.id }),
    mayViewSecurity ? findRefusedCallbacks(tenant.db, { merchantId: tenant.merchant.id }) : null,
  ]);
  const setAside = mayViewSecurity
    ? countSetAsideCallbacks(paymentsRuntime().spoolDir, { merchantId: tenant.merchant.id })
    : 0;
  const mayReplay = can(tenant.role, "callbacks:replay");
  return (
    <>
      <PageHeader
        title="Callbacks"
        description="Every message M-Pesa sent us, exactly as received, and every call we made to it."
      />
      {setAside > 0 ? (
        <p
          className="mb-6 rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900"
          data-testid="set-aside"
        >
          {setAside === 1 ? "1 callback" : `${setAside} callbacks`} could not be stored after repeated tries
          and {setAside === 1 ? "was" : "were"} set aside on this server (set-aside.jsonl in the spool
          directory). Nothing is lost: whoever runs Malipo can look at {setAside === 1 ? "it" : "them"} there.
        </p>
      ) : null}
      <h2 className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-600">
        Inbound (latest 50)
      </h2>
      {inbox.length === 0 ? (
        <EmptyState title="No callbacks yet">They appear here the moment M-Pesa calls Malipo.</EmptyState>
      ) : (
        <ul
          className="divide-y divide-slate-100 rounded-xl border border-slate-200 bg-white"
          data-testid="callbacks"
        >
          {inbox.map((entry) => (
            <li key={entry.id} className="px-4 py-3 text-sm">
              <div className="flex flex-wrap items-center gap-3">
                <span className={`pill ${STATE_STYLES[entry.state] ?? ""}`}>{entry.state}</span>
                <span className="font-medium" data-testid="callback-kind" title={entry.kind}>
                  {CALLBACK_KIND_LABELS[entry.kind] ?? entry.kind}
                </span>
                <span className="text-slate-600">{formatNairobiTime(entry.receivedAt)}</span>
                <span className="text-slate-600">from {entry.sourceIp ?? "unknown"}</span>
                <span className="text-slate-600">attempts {entry.attempts}</span>
                {entry.bodyEscaped ? (
                  <span className="text-orange-800">stored with NUL bytes written as \u0000</span>
                ) : null}
                {entry.externalId ? (
                  <span className="font-mono text-xs text-slate-500">{entry.externalId}</span>
                ) : null}
                {mayReplay && (entry.state === "dead" || entry.state === "failed") ? (
                  <ReplayButton inboxId={entry.id} />
                ) : null}
              </div>
              {entry.lastError ? <p className="mt-1 text-red-800">{entry.lastError}</p> : null}
              <details className="mt-1">
                <summary className="cursor-pointer text-xs text-slate-600">Raw body</summary>
                <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">
                  {entry.body}
                </pre>
              </details>
            </li>
          ))}
        </ul>
      )}
      <h2 className="mb-2 mt-8 text-sm font-semibold uppercase tracking-wide text-slate-600">
        Outbound Daraja calls (latest 20)
      </h2>
      {calls.length === 0 ? (
        <EmptyState title="No calls yet">
          Prompts, queries and registrations are listed here with their latency.
        </EmptyState>
      ) : (
        <DataTable
          columns={[
            { label: "When (EAT)" },
            { label: "Call" },
            { label: "HTTP" },
            { label: "Latency", align: "right" },
            { label: "Daraja id / error" },
          ]}
        >
          {calls.map((call) => (
            <tr key={call.id}>
              <td className="whitespace-nowrap text-slate-600">{formatNairobiTime(call.startedAt)}</td>
              <td className="font-mono text-xs">
                {call.method} {call.path}
              </td>
              <td>{call.status ?? "—"}</td>
              <td className="text-right tabular-nums">{call.latencyMs} ms</td>
              <td className="font-mono text-xs text-slate-600">{call.error ?? call.externalId ?? ""}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {refused ? (
        <>
          <h2 className="mb-2 mt-8 text-sm font-semibold uppercase tracking-wide text-slate-600">
            Refused callbacks (latest 50)
          </h2>
          {refused.length === 0 ? (
            <EmptyState title="No refused callbacks">
              Calls to your callback URLs with a wrong secret, from an address that is not allowed or too
              large to be M-Pesa are listed here.
            </EmptyState>
          ) : (
            <DataTable
              columns={[
                { label: "When (EAT)" },
                { label: "Kind" },
                { label: "From" },
                { label: "Size", align: "right" },
                { label: "Why refused" },
              ]}
            >
              {refused.map((row) => (
                <tr key={row.id} data-testid="refused-callback">
                  <td className="whitespace-nowrap text-slate-600">{formatNairobiTime(row.receivedAt)}</td>
                  <td className="font-mono text-xs">{row.path}</td>
                  <td className="font-mono text-xs">{row.sourceIp ?? "unknown"}</td>
                  <td className="text-right tabular-nums">{row.size.toLocaleString("en-KE")} B</td>
                  <td>{REFUSAL_LABELS[row.reason as RefusalReason] ?? row.reason}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      ) : null}
    </>
  );
}
