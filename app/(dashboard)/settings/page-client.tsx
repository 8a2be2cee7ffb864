"use client";

import { useActionState, useState, useTransition } from "react";
import { CopyButton } from "@/components/copy-button";
import { FormError, FormSuccess } from "@/components/form-message";
import { ROLE_LABELS } from "@/lib/permissions";
import {
  changeRoleAction,
  createKeyAction,
  type InviteState,
  inviteAction,
  type KeyState,
  type MpesaState,
  type ProfileState,
  registerC2bAction,
  removeMemberAction,
  revokeInvitationAction,
  revokeKeyAction,
  saveMpesaAction,
  setEnvironmentAction,
  updateProfileAction,
} from "./actions";

/** `grantable`: the scopes the signed-in member's role may put on a key (all ticked at first). */
export function CreateKeyForm({ grantable }: { grantable: { scope: string; label: string }[] }) {
  const [state, action, pending] = useActionState<KeyState, FormData>(createKeyAction, {
    error: null,
    key: null,
  });
  return (
    <div className="space-y-3">
      <form action={action} className="space-y-3">
        <div className="flex flex-wrap items-end gap-2">
          <label className="block text-sm">
            <span className="font-medium text-slate-700">New key name</span>
            <input
              name="name"
              required
              maxLength={60}
              placeholder="e.g. Online shop"
              className="input mt-1"
            />
          </label>
          <button
            type="submit"
            disabled={pending}
            className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
          >
            {pending ? "Creating…" : "Create API key"}
          </button>
        </div>
        <fieldset className="text-sm">
          <legend className="font-medium text-slate-700">Scopes (what the key may do)</legend>
          <div className="mt-1 grid gap-1 sm:grid-cols-2">
            {grantable.map(({ scope, label }) => (
              <label key={scope} className="flex items-start gap-2">
                <input type="checkbox" name="scopes" value={scope} defaultChecked className="mt-1" />
                <span>
                  <code className="font-mono text-xs">{scope}</code>{" "}
                  <span className="text-slate-600">{label}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
      </form>
      <FormError message={state.error} />
      {state.key ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium">Copy this key now: it is shown only once.</p>
          <code className="mt-1 block break-all font-mono" data-testid="new-api-key">
            {state.key}
          </code>
        </div>
      ) : null}
    </div>
  );
}

export function RevokeButton({ apiKeyId }: { apiKeyId: string }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        disabled={pending}
        onClick={() => {
          if (confirm("Revoke this key? Integrations using it stop working at once."))
            start(async () => setError((await revokeKeyAction(apiKeyId)).error));
        }}
        className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
      >
        {pending ? "Revoking…" : "Revoke"}
      </button>
      <FormError message={error} inline />
    </>
  );
}

/** Every role but owner, which only an owner may grant (offered separately). */
const ROLE_OPTIONS = Object.entries(ROLE_LABELS).filter(([role]) => role !== "owner");

export function InviteForm({ mayInviteOwner }: { mayInviteOwner: boolean }) {
  const [state, action, pending] = useActionState<InviteState, FormData>(inviteAction, {
    error: null,
    link: null,
    email: null,
  });
  return (
    <div className="space-y-3">
      <form action={action} className="flex flex-wrap items-end gap-2">
        <label className="block text-sm">
          <span className="font-medium text-slate-700">Teammate's email</span>
          <input name="email" type="email" required maxLength={254} className="input mt-1" />
        </label>
        <div className="text-sm">
          <label htmlFor="invite-role" className="block font-medium text-slate-700">
            Role
          </label>
          <select id="invite-role" name="role" defaultValue="viewer" className="input mt-1">
            {mayInviteOwner ? <option value="owner">Owner</option> : null}
            {ROLE_OPTIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
        >
          {pending ? "Inviting…" : "Invite"}
        </button>
      </form>
      <FormError message={state.error} />
      {state.link ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
          <p className="font-medium">
            Send this link to {state.email}. It works once, for 7 days, and is shown only now.
          </p>
          <code className="mt-1 block break-all font-mono text-xs" data-testid="invitation-link">
            {state.link}
          </code>
          <CopyButton value={state.link} className="mt-2" />
        </div>
      ) : null}
    </div>
  );
}

/** A role picker that saves on change, and a remove button, for one member. */
export function MemberControls(props: {
  membershipId: string;
  role: string;
  name: string;
  mayGrantOwner: boolean;
}) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const run = (change: () => Promise<{ error: string | null }>) =>
    start(async () => setError((await change()).error));
  return (
    <div className="flex flex-wrap items-center gap-2">
      <label className="sr-only" htmlFor={`role-${props.membershipId}`}>
        Role of {props.name}
      </label>
      <select
        id={`role-${props.membershipId}`}
        defaultValue={props.role}
        disabled={pending}
        onChange={(e) => {
          const role = e.currentTarget.value;
          run(() => changeRoleAction({ membershipId: props.membershipId, role }));
        }}
        className="input py-1 text-xs"
      >
        {props.mayGrantOwner || props.role === "owner" ? <option value="owner">Owner</option> : null}
        {ROLE_OPTIONS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <button
        type="button"
        disabled={pending}
        onClick={() => {
          if (confirm(`Remove ${props.name} from this merchant? They lose access at once.`))
            run(() => removeMemberAction(props.membershipId));
        }}
        className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
      >
        Remove
      </button>
      <FormError inline message={error} />
    </div>
  );
}

export function RevokeInvitationButton({ invitationId }: { invitationId: string }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        disabled={pending}
        onClick={() => start(async () => setError((await revokeInvitationAction(invitationId)).error))}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium"
      >
        {pending ? "Withdrawing…" : "Withdraw"}
      </button>
      <FormError inline message={error} />
    </>
  );
}

export interface MpesaFormDefaults {
  environment: "simulator" | "sandbox" | "production";
  accountType: "paybill" | "till";
  stkShortcode: string;
  tillNumber: string;
  shortcode: string;
  initiatorName: string;
  c2bVersion: "v1" | "v2";
  /** Whether secrets are already stored: then blank fields keep them. */
  configured: boolean;
  hasInitiatorPassword: boolean;
  hasCertificate: boolean;
}

function Field(props: {
  label: string;
  name: string;
  defaultValue?: string;
  hint?: string;
  secret?: boolean;
  required?: boolean;
}) {
  const hintId = props.hint ? `${props.name}-hint` : undefined;
  return (
    <label className="block text-sm">
      <span className="font-medium text-slate-700">{props.label}</span>
      <input
        name={props.name}
        type={props.secret ? "password" : "text"}
        autoComplete={props.secret ? "new-password" : "off"}
        defaultValue={props.defaultValue}
        required={props.required}
        aria-describedby={hintId}
        className="input mt-1 w-full font-mono"
      />
      {props.hint ? (
        <span id={hintId} className="mt-0.5 block text-xs text-slate-500">
          {props.hint}
        </span>
      ) : null}
    </label>
  );
}

export function MpesaCredentialsForm({ defaults }: { defaults: MpesaFormDefaults }) {
  const [state, action, pending] = useActionState<MpesaState, FormData>(saveMpesaAction, {
    error: null,
    saved: false,
  });
  const [accountType, setAccountType] = useState(defaults.accountType);
  const kept = (has: boolean) => (has ? "Stored encrypted. Leave blank to keep it." : undefined);
  return (
    <form action={action} className="space-y-3" data-testid="mpesa-form">
      <input type="hidden" name="environment" value={defaults.environment} />
      <fieldset className="flex gap-4 text-sm">
        <legend className="mb-1 font-medium text-slate-700">Collect into</legend>
        {(["paybill", "till"] as const).map((type) => (
          <label key={type} className="flex items-center gap-1.5">
            <input
              type="radio"
              name="accountType"
              value={type}
              checked={accountType === type}
              onChange={() => setAccountType(type)}
            />
            {type === "paybill" ? "Paybill" : "Till (Buy Goods)"}
          </label>
        ))}
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          label="STK shortcode"
          name="stkShortcode"
          defaultValue={defaults.stkShortcode}
          required
          hint="The Lipa na M-Pesa Online shortcode (a till's head-office number)."
        />
        {accountType === "till" ? (
          <Field label="Till number" name="tillNumber" defaultValue={defaults.tillNumber} required />
        ) : null}
        <Field
          label="Organisation shortcode"
          name="shortcode"
          defaultValue={defaults.shortcode}
          required
          hint="For C2B, payouts and status queries."
        />
        {(
          [
            ["Consumer key", "consumerKey"],
            ["Consumer secret", "consumerSecret"],
            ["Passkey", "passkey"],
          ] as const
        ).map(([label, name]) => (
          <Field
            key={name}
            label={label}
            name={name}
            secret
            required={!defaults.configured}
            hint={kept(defaults.configured)}
          />
        ))}
        <Field
          label="Initiator name"
          name="initiatorName"
          defaultValue={defaults.initiatorName}
          hint="Needed for payouts."
        />
        <Field
          label="Initiator password"
          name="initiatorPassword"
          secret
          hint={kept(defaults.hasInitiatorPassword) ?? "Needed for payouts."}
        />
        <label className="block text-sm">
          <span className="font-medium text-slate-700">C2B API version</span>
          <select name="c2bVersion" defaultValue={defaults.c2bVersion} className="input mt-1 w-full">
            <option value="v1">v1</option>
            <option value="v2">v2 (masked payer numbers)</option>
          </select>
        </label>
      </div>
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Safaricom certificate (PEM)</span>
        <textarea
          name="certificatePem"
          rows={3}
          placeholder="-----BEGIN CERTIFICATE-----"
          aria-describedby="certificate-hint"
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5 font-mono text-xs"
        />
        <span id="certificate-hint" className="mt-0.5 block text-xs text-slate-500">
          {defaults.hasCertificate
            ? "A certificate is stored. Paste a new one to replace it."
            : "Encrypts the initiator password for payouts; sandbox and production differ."}
        </span>
      </label>
      <FormError message={state.error} />
      <FormSuccess
        message={state.saved ? "Saved. Secrets are encrypted and will not be shown again." : null}
      />
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
      >
        {pending ? "Saving…" : `Save ${defaults.environment} credentials`}
      </button>
    </form>
  );
}

export function UseEnvironmentButton({ environment }: { environment: string }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const real = environment === "production";
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <button
        type="button"
        disabled={pending}
        onClick={() => {
          const question = real
            ? "Switch to PRODUCTION? From now on prompts and payouts move real money."
            : `Switch to ${environment}? Payments will go to ${environment} M-Pesa.`;
          if (confirm(question)) start(async () => setError((await setEnvironmentAction(environment)).error));
        }}
        className={`rounded-md px-3 py-1.5 text-sm font-medium ${real ? "bg-red-700 text-white" : "border border-slate-300 bg-white"}`}
      >
        {pending ? "Switching…" : `Use ${environment}`}
      </button>
      <FormError inline message={error} />
    </span>
  );
}

export function RegisterC2bButton() {
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ error: string | null; message: string | null } | null>(null);
  return (
    <div className="mt-2 flex flex-wrap items-center gap-2">
      <button
        type="button"
        disabled={pending}
        onClick={() => start(async () => setResult(await registerC2bAction()))}
        className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium"
      >
        {pending ? "Registering…" : "Register C2B URLs with M-Pesa"}
      </button>
      {result?.error ? (
        <span role="alert" className="text-sm text-red-700">
          {result.error}
        </span>
      ) : null}
      {result?.message ? (
        <span role="status" className="text-sm text-green-800">
          {result.message}
        </span>
      ) : null}
    </div>
  );
}

export function ProfileForm({ name }: { name: string }) {
  const [state, action, pending] = useActionState<ProfileState, FormData>(updateProfileAction, {
    error: null,
    saved: false,
  });
  return (
    <form action={action} className="flex flex-wrap items-end gap-2">
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Business name</span>
        <input name="name" defaultValue={name} required minLength={2} maxLength={80} className="input mt-1" />
      </label>
      <button
        type="submit"
        disabled={pending}
        className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium"
      >
        {pending ? "Saving…" : "Save"}
      </button>
      <FormError message={state.error} />
      <FormSuccess message={state.saved ? "Saved." : null} />
    </form>
  );
}
