// The signed-in user's own account: where they are signed in, and ending those sessions.
import type { Metadata } from "next";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { PageHeader } from "@/components/page-header";
import { getDb } from "@/lib/db";
import { formatNairobiTime } from "@/lib/format";
import { requireTenant } from "@/lib/session";
import { describeUserAgent } from "@/lib/users/describe-user-agent";
import { findUserSessions } from "@/lib/users/find-user-sessions";
import { SignOutSessionsButtons } from "./page-client";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const tenant = await requireTenant();
  const sessions = await findUserSessions(getDb(), { userId: tenant.user.id });
  return (
    <>
      <PageHeader title="Account" description={`${tenant.user.name} · ${tenant.user.email}`} />
      <section className="mb-6 rounded-xl border border-slate-200 bg-white p-4">
        <h2 className="mb-1 font-semibold">Password</h2>
        <p className="mb-3 text-sm text-slate-600">Changing it signs you out on every other device.</p>
        <Link href="/account/password" className="text-sm font-medium text-brand-800 underline">
          Change password
        </Link>
      </section>
      <section className="mb-6 rounded-xl border border-slate-200 bg-white p-4">
        <h2 className="mb-1 font-semibold">Where you are signed in</h2>
        <p className="mb-3 text-sm text-slate-600">
          Each sign-in lasts up to 12 hours. If you see a device you do not recognise, sign it out and change
          your password.
        </p>
        <DataTable
          columns={[{ label: "Signed in" }, { label: "Device" }, { label: "IP address" }, { label: "" }]}
          testId="sessions"
        >
          {sessions.map((s) => (
            <tr key={s.id} data-testid="session-row">
              <td className="px-4 py-2 whitespace-nowrap">{formatNairobiTime(s.createdAt)}</td>
              <td className="px-4 py-2">{describeUserAgent(s.userAgent)}</td>
              <td className="px-4 py-2 font-mono text-xs">{s.ip ?? "unknown"}</td>
              <td className="px-4 py-2 text-right">
                {s.id === tenant.sessionId ? (
                  <span className="rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-800">
                    This device
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </DataTable>
        <div className="mt-4">
          <SignOutSessionsButtons others={sessions.filter((s) => s.id !== tenant.sessionId).length} />
        </div>
      </section>
    </>
  );
}
