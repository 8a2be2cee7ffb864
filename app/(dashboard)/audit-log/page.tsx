import type { Metadata } from "next";
import { DataTable } from "@/components/data-table";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { GLOBAL_CHAIN } from "@/lib/audit/append-audit-log";
import { checkAuditChain } from "@/lib/audit/check-audit-chain";
import { findAuditActions } from "@/lib/audit/find-audit-actions";
import { auditFilterSchema, findAuditLogs } from "@/lib/audit/find-audit-logs";
import { getDb } from "@/lib/db";
import { formatNairobiTime } from "@/lib/format";
import { requireTenant } from "@/lib/session";

export const metadata: Metadata = { title: "Audit log" };

const PAGE = 50;

/** A short, readable line of an entry's (already redacted) metadata. */
function details(metadata: unknown): string {
  if (!metadata || typeof metadata !== "object") return "";
  return Object.entries(metadata as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ")
    .slice(0, 240);
}

export default async function AuditLogPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const tenant = await requireTenant("audit:view");
  const { verify, ...raw } = await searchParams;
  const parsed = auditFilterSchema.safeParse(raw);
  const filters = parsed.success ? parsed.data : {};
  const memberUserIds = (
    await tenant.db.membership.findMany({
      where: { merchantId: tenant.merchant.id },
      select: { userId: true },
    })
  ).map((m) => m.userId);
  const [rows, actions, check] = await Promise.all([
    // Unscoped on purpose: staff sign-ins live in the shared chain; the filter names this merchant
    // and its members only.
    findAuditLogs(getDb(), {
      merchantId: tenant.merchant.id,
      memberUserIds,
      filters,
      limit: PAGE,
    }),
    findAuditActions(getDb(), { merchantId: tenant.merchant.id, memberUserIds }),
    // Only the entries since the last check, unless the whole chain is due (every 10 minutes) or
    // asked for (?verify=all): walking it all on every load cost most of this page's time.
    checkAuditChain(tenant.db, { chain: tenant.merchant.id, full: verify === "all" }),
  ]);
  const { before: _before, ...kept } = filters;
  const last = rows.at(-1);
  const older =
    rows.length === PAGE && last
      ? `?${new URLSearchParams({
          ...Object.fromEntries(Object.entries(kept).flatMap(([k, v]) => (v ? [[k, String(v)]] : []))),
          before: last.id.toString(),
        })}`
      : null;
  const filtered = Object.values(filters).some(Boolean);
  const keptAll = Object.fromEntries(
    Object.entries(filters).flatMap(([k, v]) => (v ? [[k, String(v)]] : [])),
  );
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every staff action, and your staff's sign-ins and failed attempts. Rows are hash-chained: editing or deleting one is detected."
        actions={
          <div className="flex flex-wrap items-center justify-end gap-2 text-sm">
            {check.ok ? (
              <p
                className="rounded-md bg-brand-50 px-3 py-1.5 font-medium text-brand-800"
                data-testid="chain-status"
              >
                ✓ Chain intact · {check.rows} entries
                {check.fullyVerifiedAt ? (
                  <span className="font-normal" data-testid="chain-verified-at">
                    {" "}
                    · whole chain verified {formatNairobiTime(check.fullyVerifiedAt)}
                  </span>
                ) : null}
              </p>
            ) : (
              <p
                className="rounded-md bg-red-50 px-3 py-1.5 font-medium text-red-800"
                data-testid="chain-status"
              >
                ✗ Chain broken at entry {check.brokenAtSeq}: {check.reason}
              </p>
            )}
            <a
              href={`?${new URLSearchParams({ ...keptAll, verify: "all" })}`}
              className="text-slate-700 underline"
            >
              Verify the whole chain now
            </a>
          </div>
        }
      />
      <form
        method="get"
        className="mb-4 flex flex-wrap items-end gap-2 text-sm"
        aria-label="Filter the audit log"
      >
        <label className="block">
          <span className="font-medium text-slate-700">Who</span>
          <input
            name="actor"
            defaultValue={filters.actor ?? ""}
            placeholder="email or name"
            className="input mt-1"
          />
        </label>
        <div>
          <label htmlFor="audit-action" className="block font-medium text-slate-700">
            Action
          </label>
          <select id="audit-action" name="action" defaultValue={filters.action ?? ""} className="input mt-1">
            <option value="">Any</option>
            {[...new Set(actions.map((a) => `${a.split(".")[0]}.`))].map((family) => (
              <option key={family} value={family}>
                {family}* (all)
              </option>
            ))}
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <label className="block">
          <span className="font-medium text-slate-700">From</span>
          <input type="date" name="from" defaultValue={filters.from ?? ""} className="input mt-1" />
        </label>
        <label className="block">
          <span className="font-medium text-slate-700">To</span>
          <input type="date" name="to" defaultValue={filters.to ?? ""} className="input mt-1" />
        </label>
        <button type="submit" className="rounded-md bg-brand-700 px-3 py-2 font-medium text-white">
          Filter
        </button>
        {filtered ? (
          <a href="/audit-log" className="px-2 py-2 text-slate-700 underline">
            Clear
          </a>
        ) : null}
      </form>
      {parsed.success ? null : (
        <p role="alert" className="mb-4 rounded-md bg-red-50 p-3 text-sm text-red-800">
          Some filters were not valid and were ignored:{" "}
          {parsed.error.issues.map((i) => i.path.join(".")).join(", ")}.
        </p>
      )}
      {rows.length === 0 ? (
        <EmptyState title={filtered ? "No entries match" : "No entries yet"}>
          {filtered
            ? "Try a wider date range or another action."
            : "Staff actions for this merchant will be recorded here."}
        </EmptyState>
      ) : (
        <DataTable
          columns={[
            { label: "When (EAT)" },
            { label: "Who" },
            { label: "Action" },
            { label: "Target" },
            { label: "Details" },
            { label: "IP" },
          ]}
          testId="audit-entries"
        >
          {rows.map((row) => (
            <tr key={row.id.toString()}>
              <td className="whitespace-nowrap text-slate-600">{formatNairobiTime(row.createdAt)}</td>
              <td>{row.actorLabel ?? row.actorType}</td>
              <td className="font-mono text-xs">
                {row.action}
                {row.chain === GLOBAL_CHAIN ? (
                  <span className="ml-1 rounded bg-slate-100 px-1 font-sans text-[10px] uppercase text-slate-600">
                    security
                  </span>
                ) : null}
              </td>
              <td className="break-all font-mono text-xs text-slate-600">
                {row.targetType ? `${row.targetType} ${row.targetId}` : "—"}
              </td>
              <td className="max-w-md text-xs text-slate-600">{details(row.metadata)}</td>
              <td className="text-slate-600">{row.ip ?? "—"}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {older ? (
        <p className="mt-4 text-sm">
          <a href={older} className="font-medium text-brand-800 underline">
            Older entries →
          </a>
        </p>
      ) : null}
    </>
  );
}
