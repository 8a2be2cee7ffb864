"use client";

import { useActionState, useTransition } from "react";
import { CopyButton } from "@/components/copy-button";
import { FormError } from "@/components/form-message";
import { type CreateLinkState, cancelLinkAction, createLinkAction } from "./actions";

export function CreateLinkForm() {
  const [state, action, pending] = useActionState<CreateLinkState, FormData>(createLinkAction, {
    error: null,
    id: null,
  });
  return (
    <form
      action={action}
      className="grid gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-5"
    >
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Amount (KES)</span>
        <input name="amount" inputMode="numeric" required className="input mt-1" />
      </label>
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Reference</span>
        <input name="reference" required maxLength={12} className="input mt-1" />
      </label>
      <label className="block text-sm sm:col-span-2">
        <span className="font-medium text-slate-700">Description</span>
        <input name="description" maxLength={100} className="input mt-1" />
      </label>
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Expires in</span>
        <select name="expiresInMinutes" defaultValue="1440" className="input mt-1">
          <option value="60">1 hour</option>
          <option value="1440">1 day</option>
          <option value="10080">7 days</option>
        </select>
      </label>
      <div className="flex items-center gap-3 sm:col-span-5">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-4 py-2 text-sm font-medium text-white"
        >
          {pending ? "Creating…" : "Create checkout link"}
        </button>
        <FormError message={state.error} />
      </div>
    </form>
  );
}

export function LinkActions({ id, url, open }: { id: string; url: string; open: boolean }) {
  const [pending, start] = useTransition();
  return (
    <span className="flex flex-wrap gap-2">
      <CopyButton value={url} />
      {open ? (
        <button
          type="button"
          disabled={pending}
          onClick={() => start(async () => void (await cancelLinkAction(id)))}
          className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
        >
          Cancel
        </button>
      ) : null}
    </span>
  );
}
