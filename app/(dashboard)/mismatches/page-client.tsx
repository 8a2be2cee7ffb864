"use client";

import { useActionState } from "react";
import { FormError } from "@/components/form-message";
import { type ResolveState, resolveAction } from "./actions";

export function ResolveForm({
  itemId,
  canAccept,
  acceptLabel = "Accept as paid",
  candidates,
}: {
  itemId: string;
  canAccept: boolean;
  /** What accepting means for this item ("Accept as paid", "Mark as accounted for"). */
  acceptLabel?: string;
  /** Checkouts this money could be matched to, best first; none when matching makes no sense. */
  candidates: { id: string; label: string }[];
}) {
  const [state, action, pending] = useActionState<ResolveState, FormData>(resolveAction, {
    error: null,
    done: false,
  });
  if (state.done)
    return (
      <p role="status" className="text-sm text-green-800">
        Decided. Thank you.
      </p>
    );
  return (
    <form action={action} className="mt-3 space-y-2">
      <input type="hidden" name="itemId" value={itemId} />
      <label className="block text-sm">
        <span className="font-medium text-slate-700">Note (required)</span>
        <textarea
          name="note"
          required
          minLength={3}
          rows={2}
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5"
        />
      </label>
      {candidates.length > 0 ? (
        <div className="text-sm">
          <label htmlFor={`match-${itemId}`} className="block font-medium text-slate-700">
            Checkout this money was for
          </label>
          <select id={`match-${itemId}`} name="checkoutSessionId" className="input mt-1 block w-full">
            {candidates.map((c) => (
              <option key={c.id} value={c.id}>
                {c.label}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <FormError message={state.error} />
      <div className="flex flex-wrap gap-2">
        {canAccept ? (
          <button
            type="submit"
            name="action"
            value="accept"
            disabled={pending}
            className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white"
          >
            {acceptLabel}
          </button>
        ) : null}
        {candidates.length > 0 ? (
          <button
            type="submit"
            name="action"
            value="match"
            disabled={pending}
            className="rounded-md bg-brand-700 px-3 py-1.5 text-sm font-medium text-white"
          >
            Match to checkout
          </button>
        ) : null}
        <button
          type="submit"
          name="action"
          value="dismiss"
          disabled={pending}
          className="rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium"
        >
          Dismiss
        </button>
      </div>
    </form>
  );
}
