import type { Metadata } from "next";
import { DataTable } from "@/components/data-table";
import { EnvironmentBadge } from "@/components/environment-badge";
import { PageHeader } from "@/components/page-header";
import { formatKes, formatNairobiTime } from "@/lib/format";
import { getPayoutPolicy } from "@/lib/payments/payouts/get-payout-policy";
import { paymentsRuntime } from "@/lib/payments-runtime";
import { can, ROLE_DESCRIPTIONS, ROLE_LABELS } from "@/lib/permissions";
import { API_SCOPES, grantableScopes, readScopes } from "@/lib/security/api-scopes";
import { requireTenant } from "@/lib/session";
import { findTeam } from "@/lib/team/find-team";
import { MpesaEnvironment } from "@/prisma/generated/prisma/enums";
import { PayoutPolicyForm } from "./_components/payout-policy-form";
import { WebhooksSection } from "./_components/webhooks-section";
import {
  CreateKeyForm,
  InviteForm,
  MemberControls,
  MpesaCredentialsForm,
  ProfileForm,
  RegisterC2bButton,
  RevokeButton,
  RevokeInvitationButton,
  UseEnvironmentButton,
} from "./page-client";

const ENVIRONMENTS = Object.values(MpesaEnvironment);

export const metadata: Metadata = { title: "Settings" };

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="mb-6 rounded-xl border border-slate-200 bg-white p-4">
      <h2 className="mb-3 font-semibold">{title}</h2>
      {children}
    </section>
  );
}

export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ env?: string }> }) {
  const tenant = await requireTenant("settings:view");
  const asked = (await searchParams).env;
  const editing = ENVIRONMENTS.find((e) => e === asked) ?? tenant.merchant.environment;
  const [keys, credentials, merchant, team, payoutPolicy] = await Promise.all([
    tenant.db.apiKey.findMany({ where: { merchantId: tenant.merchant.id }, orderBy: { createdAt: "desc" } }),
    tenant.db.mpesaCredential.findMany({
      where: { merchantId: tenant.merchant.id },
      // Secrets stay on the server, even sealed: only whether one is set reaches the form.
      select: {
        environment: true,
        stkShortcode: true,
        shortcode: true,
        tillNumber: true,
        c2bVersion: true,
        updatedAt: true,
        initiatorName: true,
        initiatorPasswordSealed: true,
        certificatePem: true,
      },
    }),
    tenant.db.merchant.findUniqueOrThrow({
      where: { id: tenant.merchant.id },
      select: { callbackSecret: true },
    }),
    findTeam(tenant.db, { merchantId: tenant.merchant.id }),
    getPayoutPolicy(tenant.db, { merchantId: tenant.merchant.id }),
  ]);
  const credential = credentials.find((c) => c.environment === tenant.merchant.environment);
  const edited = credentials.find((c) => c.environment === editing);
  const mayManageTeam = can(tenant.role, "team:manage");
  const mayManageKeys = can(tenant.role, "apikeys:manage");
  const mayManageMpesa = can(tenant.role, "mpesa:manage");
  const hooks = `${paymentsRuntime().deps.appUrl}/api/hooks`;
  return (
    <>
      <PageHeader title="Settings" description="Merchant profile, M-Pesa, API keys and team." />
      <Section title="Merchant">
        <p className="mb-3 flex items-center gap-3 text-sm">
          <span className="font-medium">{tenant.merchant.name}</span>
          <span className="font-mono text-slate-500">{tenant.merchant.slug}</span>
          <EnvironmentBadge environment={tenant.merchant.environment} />
        </p>
        {can(tenant.role, "settings:manage") ? <ProfileForm name={tenant.merchant.name} /> : null}
      </Section>
      <Section title="M-Pesa">
        <p className="mb-3 flex flex-wrap items-center gap-2 text-sm">
          Money moves through <EnvironmentBadge environment={tenant.merchant.environment} />
        </p>
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
              They contain a secret: share them only with Safaricom. STK and payout callback URLs are sent
              with each request, so they need no registration.
            </p>
            {!credential ? null : tenant.merchant.environment === "production" && tenant.role !== "owner" ? (
              <p className="mt-2 text-slate-600">Only an owner can register production C2B URLs.</p>
            ) : (
              <RegisterC2bButton />
            )}
          </div>
        ) : null}
        {mayManageMpesa ? (
          <div className="mt-6 border-t border-slate-200 pt-4">
            <nav aria-label="Environments" className="mb-3 flex flex-wrap gap-2 text-sm">
              {ENVIRONMENTS.map((env) => (
                <a
                  key={env}
                  href={`/settings?env=${env}`}
                  aria-current={env === editing ? "page" : undefined}
                  className={`rounded-md px-3 py-1.5 ${env === editing ? "bg-slate-900 text-white" : "border border-slate-300 bg-white"}`}
                >
                  {env}
                  {credentials.some((c) => c.environment === env) ? " ✓" : ""}
                </a>
              ))}
            </nav>
            {editing === "production" && tenant.role !== "owner" ? (
              <p className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
                Production credentials move real money, so only an owner can add or change them.
              </p>
            ) : (
              <MpesaCredentialsForm
                key={editing}
                defaults={{
                  environment: editing,
                  accountType: edited?.tillNumber ? "till" : "paybill",
                  stkShortcode: edited?.stkShortcode ?? "",
                  tillNumber: edited?.tillNumber ?? "",
                  shortcode: edited?.shortcode ?? "",
                  initiatorName: edited?.initiatorName ?? "",
                  c2bVersion: edited?.c2bVersion === "v2" ? "v2" : "v1",
                  configured: Boolean(edited),
                  hasInitiatorPassword: Boolean(edited?.initiatorPasswordSealed),
                  hasCertificate: Boolean(edited?.certificatePem),
                }}
              />
            )}
            {edited &&
            editing !== tenant.merchant.environment &&
            (editing !== "production" || tenant.role === "owner") ? (
              <div className="mt-3">
                <UseEnvironmentButton environment={editing} />
              </div>
            ) : null}
          </div>
        ) : null}
      </Section>
      <Section title="Payout policy">
        <PayoutPolicySection policy={payoutPolicy} mayEdit={tenant.role === "owner"} />
      </Section>
      <Section title="API keys">
        {mayManageKeys ? (
          <CreateKeyForm
            grantable={grantableScopes(tenant.role).map((scope) => ({
              scope,
              label: API_SCOPES[scope].label,
            }))}
          />
        ) : null}
        <div className="mt-4">
          <DataTable
            columns={[
              { label: "Name" },
              { label: "Key" },
              { label: "Scopes" },
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
                <td
                  className="max-w-xs whitespace-normal px-4 py-2 font-mono text-xs"
                  data-testid="api-key-scopes"
                >
                  {readScopes(key.scopes).join(" ") || "none"}
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
      <Section title="Webhooks">
        <WebhooksSection
          db={tenant.db}
          merchantId={tenant.merchant.id}
          mayManage={can(tenant.role, "webhooks:manage")}
        />
      </Section>
      <Section title="Team">
        {mayManageTeam ? <InviteForm mayInviteOwner={tenant.role === "owner"} /> : null}
        <div className="mt-4">
          <DataTable
            columns={[{ label: "Name" }, { label: "Email" }, { label: "Role" }, { label: "Last sign-in" }]}
            testId="team-members"
          >
            {team.members.map((member) => (
              <tr key={member.id}>
                <td className="px-4 py-2">
                  {member.user.name}
                  {member.user.id === tenant.user.id ? <span className="text-slate-500"> (you)</span> : null}
                </td>
                <td className="px-4 py-2 text-slate-600">{member.user.email}</td>
                <td className="px-4 py-2">
                  {mayManageTeam &&
                  member.user.id !== tenant.user.id &&
                  (member.role !== "owner" || tenant.role === "owner") ? (
                    <MemberControls
                      membershipId={member.id}
                      role={member.role}
                      name={member.user.name}
                      mayGrantOwner={tenant.role === "owner"}
                    />
                  ) : (
                    ROLE_LABELS[member.role]
                  )}
                </td>
                <td className="px-4 py-2 text-slate-600">
                  {member.user.lastSignInAt ? formatNairobiTime(member.user.lastSignInAt) : "never"}
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
        {team.invitations.length > 0 ? (
          <div className="mt-4">
            <h3 className="mb-2 text-sm font-semibold">Waiting to accept</h3>
            <DataTable
              columns={[{ label: "Email" }, { label: "Role" }, { label: "Expires" }, { label: "" }]}
              testId="team-invitations"
            >
              {team.invitations.map((invitation) => (
                <tr key={invitation.id}>
                  <td className="px-4 py-2">{invitation.email}</td>
                  <td className="px-4 py-2">{ROLE_LABELS[invitation.role]}</td>
                  <td className="px-4 py-2 text-slate-600">{formatNairobiTime(invitation.expiresAt)}</td>
                  <td className="px-4 py-2">
                    {mayManageTeam && (invitation.role !== "owner" || tenant.role === "owner") ? (
                      <RevokeInvitationButton invitationId={invitation.id} />
                    ) : null}
                  </td>
                </tr>
              ))}
            </DataTable>
          </div>
        ) : null}
        <details className="mt-4 text-sm">
          <summary className="cursor-pointer font-medium">What each role may do</summary>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
            {Object.entries(ROLE_DESCRIPTIONS).map(([role, text]) => (
              <div key={role} className="contents">
                <dt className="font-medium">{ROLE_LABELS[role as keyof typeof ROLE_LABELS]}</dt>
                <dd className="text-slate-700">{text}</dd>
              </div>
            ))}
          </dl>
        </details>
      </Section>
    </>
  );
}

/** Owners edit the payout policy; everyone else reads it (the core refuses anyone but an owner). */
function PayoutPolicySection({
  policy,
  mayEdit,
}: {
  policy: Awaited<ReturnType<typeof getPayoutPolicy>>;
  mayEdit: boolean;
}) {
  const values = {
    approverRoles: policy.approverRoles,
    dualApprovalAbove: policy.dualApprovalAbove,
    maxPerPayout: policy.maxPerPayout,
    dailyCeiling: policy.dailyCeiling,
    submitPerSecond: policy.submitPerSecond,
  };
  if (mayEdit) return <PayoutPolicyForm policy={values} />;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="payout-policy">
      <dt className="text-slate-600">Approvers</dt>
      <dd>{policy.approverRoles.map((r) => ROLE_LABELS[r]).join(", ")} (never their own requests)</dd>
      <dt className="text-slate-600">Two approvers</dt>
      <dd>{policy.dualApprovalAbove === null ? "never" : `above ${formatKes(policy.dualApprovalAbove)}`}</dd>
      <dt className="text-slate-600">Largest payout</dt>
      <dd>{formatKes(policy.maxPerPayout)}</dd>
      <dt className="text-slate-600">Daily ceiling</dt>
      <dd>{policy.dailyCeiling === null ? "none" : formatKes(policy.dailyCeiling)}</dd>
      <dt className="text-slate-600">Sent per second</dt>
      <dd>{policy.submitPerSecond}</dd>
      <dd className="col-span-2 text-slate-500">Only an owner can change the payout policy.</dd>
    </dl>
  );
}
