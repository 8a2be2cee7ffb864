"use client";

import { useActionState } from "react";
import { Button } from "@/components/button";
import { FormError, FormSuccess } from "@/components/form-message";
import { type SignOffState, signOffAction } from "../actions";
import { type PullState, pullAction } from "../pull-action";

export function SignOffForm({
  day,
  fingerprint,
  noteRequired,
  again,
}: {
  day: string;
  fingerprint: string;
  /** Review items are still open: the person says why they sign off anyway. */
  noteRequired: boolean;
  /** The day changed after an earlier sign-off. */
  again: boolean;
}) {
  const [state, action, pending] = useActionState<SignOffState, FormData>(signOffAction, {
    error: null,
    done: false,
  });
  if (state.done) return <FormSuccess message="Signed off. It is in the audit log." />;
  return (
    <form action={action} className="space-y-3 print:hidden" data-testid="sign-off-form">
      <input type="hidden" name="day" value={day} />
      <input type="hidden" name="fingerprint" value={fingerprint} />
      <label className="block text-sm">
        <span className="font-medium text-slate-700">
          Note {noteRequired ? "(required: items are still open)" : "(optional)"}
        </span>
        <textarea
          name="note"
          required={noteRequired}
          minLength={noteRequired ? 3 : undefined}
          maxLength={500}
          rows={2}
          className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1.5"
        />
      </label>
      <FormError message={state.error} />
      <Button type="submit" disabled={pending}>
        {again ? "Sign off again" : "Sign off this day"}
      </Button>
    </form>
  );
}

export function PrintButton() {
  return (
    <button
      type="button"
      onClick={() => window.print()}
      className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50"
    >
      Print
    </button>
  );
}

/** Pull Transactions for this day's window now (pull-action.ts), then the page shows the result. */
export function PullButton({ from, to }: { from: string; to: string }) {
  const [state, action, pending] = useActionState<PullState, FormData>(pullAction, {
    error: null,
    counts: null,
  });
  return (
    <form action={action} className="mt-3 space-y-2 print:hidden">
      <input type="hidden" name="from" value={from} />
      <input type="hidden" name="to" value={to} />
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Pulling from M-Pesa…" : "Pull from M-Pesa"}
      </Button>
      <FormError message={state.error} />
      <FormSuccess
        message={
          state.counts
            ? `M-Pesa returned ${state.counts.rows} lines: ${state.counts.newRecords} new, ${state.counts.matched} matched, ${state.counts.recovered} recovered.`
            : null
        }
      />
    </form>
  );
}
