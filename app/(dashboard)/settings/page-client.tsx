"use client";

import { useActionState, useTransition } from "react";
import { createKeyAction, type KeyState, revokeKeyAction } from "./actions";

export function CreateKeyForm() {
  const [state, action, pending] = useActionState<KeyState, FormData>(createKeyAction, {
    error: null,
    key: null,
  });
  return (
    <div className="space-y-3">
      <form action={action} className="flex flex-wrap items-end gap-2">
        <label className="block text-sm">
          <span className="font-medium text-slate-700">New key name</span>
          <input name="name" required maxLength={60} placeholder="e.g. Online shop" className="input mt-1" />
        </label>
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
        >
          {pending ? "Creating…" : "Create API key"}
        </button>
      </form>
      {state.error ? (
        <p role="alert" className="text-sm text-red-700">
          {state.error}
        </p>
      ) : null}
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
  return (
    <button
      type="button"
      disabled={pending}
      onClick={() => {
        if (confirm("Revoke this key? Integrations using it stop working at once."))
          start(() => revokeKeyAction(apiKeyId));
      }}
      className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
    >
      {pending ? "Revoking…" : "Revoke"}
    </button>
  );
}
