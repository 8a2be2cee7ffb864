import type { Metadata } from "next";
import { DataTable } from "@/components/data-table";
import { EnvironmentBadge } from "@/components/environment-badge";
import { PageHeader } from "@/components/page-header";
import { formatNairobiTime } from "@/lib/format";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { can } from "@/lib/permissions";
import { requireTenant } from "@/lib/session";
import { CreateKeyForm, RevokeButton } from "./page-client";

export const metadata: Metadata = { title: "Settings" };

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="mb-6 rounded-xl border border-slate-200 bg-white p-4">
      <h2 className="mb-3 font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export default async function SettingsPage() {
  const tenant = await requireTenant("settings:view");
  const [keys, credential, merchant] = await Promise.all([
    tenant.db.apiKey.findMany({ where: { merchantId: tenant.merchant.id }, orderBy: { createdAt: "desc" } }),
    tenant.db.mpesaCredential.findFirst({
      where: { merchantId: tenant.merchant.id, environment: tenant.merchant.environment },
      select: {
        stkShortcode: true,
        shortcode: true,
        tillNumber: true,
        c2bVersion: true,
        updatedAt: true,
        initiatorName: true,
      },
    }),
    tenant.db.merchant.findUniqueOrThrow({
      where: { id: tenant.merchant.id },
      select: { callbackSecret: true },
    }),
  ]);
  const mayManageKeys = can(tenant.role, "apikeys:manage");
  const mayManageMpesa = can(tenant.role, "mpesa:manage");
  const hooks = `${paymentsRuntime().deps.appUrl}/api/hooks`;
  return (
    <>
      <PageHeader title="Settings" description="Merchant profile, M-Pesa, API keys." />
      <Section title="Merchant">
        <p className="flex items-center gap-3 text-sm">
          <span className="font-medium">{tenant.merchant.name}</span>
          <span className="font-mono text-slate-500">{tenant.merchant.slug}</span>
          <EnvironmentBadge environment={tenant.merchant.environment} />
        </p>
      </Section>
      <Section title={`M-Pesa (${tenant.merchant.environment})`}>
        {credential ? (
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-600">STK shortcode</dt>
            <dd className="font-mono">{credential.stkShortcode}</dd>
            <dt className="text-slate-600">{credential.tillNumber ? "Till" : "Paybill"}</dt>
            <dd className="font-mono">{credential.tillNumber ?? credential.shortcode}</dd>
            <dt className="text-slate-600">Initiator</dt>
            <dd>{credential.initiatorName ?? "not set (needed for payouts)"}</dd>
            <dt className="text-slate-600">Secrets</dt>
            <dd>stored encrypted, never shown · updated {formatNairobiTime(credential.updatedAt)}</dd>
          </dl>
        ) : (
          <p className="text-sm text-slate-600">Not configured for this environment yet.</p>
        )}
        {mayManageMpesa ? (
          <div className="mt-4 text-sm">
            <p className="font-medium">C2B URLs to register with M-Pesa</p>
            <p className="mt-1 break-all font-mono text-xs">{`${hooks}/c2b-validation/${tenant.merchant.id}/${merchant.callbackSecret}`}</p>
            <p className="break-all font-mono text-xs">{`${hooks}/c2b-confirmation/${tenant.merchant.id}/${merchant.callbackSecret}`}</p>
            <p className="mt-1 text-slate-600">
              Register them with <code>npm run c2b:register -- --merchant {tenant.merchant.slug}</code>. They
              contain a secret: share them only with Safaricom.
            </p>
          </div>
        ) : null}
      </Section>
      <Section title="API keys">
        {mayManageKeys ? <CreateKeyForm /> : null}
        <div className="mt-4">
          <DataTable
            columns={[
              { label: "Name" },
              { label: "Key" },
              { label: "Created" },
              { label: "Last used" },
              { label: "State" },
            ]}
            testId="api-keys"
          >
            {keys.map((key) => (
              <tr key={key.id}>
                <td className="px-4 py-2">{key.name}</td>
                <td className="px-4 py-2 font-mono text-xs">
                  {key.prefix.endsWith("…") ? key.prefix : `${key.prefix}…`}
                </td>
                <td className="px-4 py-2 text-slate-600">{formatNairobiTime(key.createdAt)}</td>
                <td className="px-4 py-2 text-slate-600">
                  {key.lastUsedAt ? formatNairobiTime(key.lastUsedAt) : "never"}
                </td>
                <td className="px-4 py-2">
                  {key.revokedAt ? (
                    <span className="text-slate-500">revoked</span>
                  ) : mayManageKeys ? (
                    <RevokeButton apiKeyId={key.id} />
                  ) : (
                    "active"
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      </Section>
    </>
  );
}
