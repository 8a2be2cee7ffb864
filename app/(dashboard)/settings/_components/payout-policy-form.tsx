"use client";

import { useActionState } from "react";
import { FormError, FormSuccess } from "@/components/form-message";
import { type PayoutPolicyState, savePayoutPolicyAction } from "../actions";

const APPROVER_ROLES = [
  ["owner", "Owners"],
  ["admin", "Admins"],
  ["approver", "Approvers"],
] as const;

/** The payout policy form (owners only: the section shows others the values as text). */
export function PayoutPolicyForm({
  policy,
}: {
  policy: {
    approverRoles: string[];
    dualApprovalAbove: number | null;
    maxPerPayout: number;
    dailyCeiling: number | null;
    submitPerSecond: number;
  };
}) {
  const [state, action, pending] = useActionState<PayoutPolicyState, FormData>(savePayoutPolicyAction, {
    error: null,
    saved: false,
  });
  return (
    <form action={action} className="space-y-3 text-sm" data-testid="payout-policy-form">
      <fieldset>
        <legend className="font-medium text-slate-700">Who may approve payouts (never their own)</legend>
        <div className="mt-1 flex flex-wrap gap-4">
          {APPROVER_ROLES.map(([role, label]) => (
            <label key={role} className="flex items-center gap-1.5">
              <input
                type="checkbox"
                name="approverRoles"
                value={role}
                defaultChecked={policy.approverRoles.includes(role)}
              />
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          name="dualApprovalAbove"
          label="Two approvers above (KES; blank: one is enough)"
          value={policy.dualApprovalAbove}
        />
        <Field name="maxPerPayout" label="Largest single payout (KES)" value={policy.maxPerPayout} required />
        <Field
          name="dailyCeiling"
          label="Daily ceiling, Kenyan day (KES; blank: none)"
          value={policy.dailyCeiling}
        />
        <Field
          name="submitPerSecond"
          label="Payouts sent to M-Pesa per second (1-20)"
          value={policy.submitPerSecond}
          required
        />
      </div>
      <FormError message={state.error} />
      {state.saved ? <FormSuccess message="Payout policy saved." /> : null}
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
      >
        {pending ? "Saving…" : "Save payout policy"}
      </button>
    </form>
  );
}

function Field({
  name,
  label,
  value,
  required = false,
}: {
  name: string;
  label: string;
  value: number | null;
  required?: boolean;
}) {
  return (
    <label className="block">
      <span className="font-medium text-slate-700">{label}</span>
      <input
        name={name}
        inputMode="numeric"
        defaultValue={value ?? ""}
        required={required}
        className="input mt-1 w-full"
      />
    </label>
  );
}
