"use client";

import { useState, useTransition } from "react";
import { FormError } from "@/components/form-message";

type Result = { error: string | null };

/**
 * Approve, reject (with a required note) and cancel for one request waiting for four eyes (a
 * payout, a reversal). The buttons shown follow what the server would allow; the server decides
 * anyway and its refusal is shown as it is. Actions left out are not offered.
 */
export function DecisionActions({
  noun,
  approveLabel = "Approve",
  approve,
  reject,
  cancel,
  onDone,
}: {
  /** "payout", "reversal": names the reject and cancel buttons. */
  noun: string;
  approveLabel?: string;
  /** Set when the viewer may decide: waiting for approval and not their own request. */
  approve?: () => Promise<Result>;
  reject?: (note: string) => Promise<Result>;
  /** Set when the viewer may still withdraw it. */
  cancel?: () => Promise<Result>;
  onDone?: () => void;
}) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState("");
  const run = (action: () => Promise<Result>) =>
    start(async () => {
      const result = await action();
      setError(result.error);
      if (!result.error) {
        setRejecting(false);
        onDone?.();
      }
    });
  if (!approve && !reject && !cancel) return null;
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap gap-1">
        {approve ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => run(approve)}
            className="rounded-md bg-brand-700 px-2 py-1 text-xs font-medium text-white"
          >
            {approveLabel}
          </button>
        ) : null}
        {reject ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => setRejecting((r) => !r)}
            aria-expanded={rejecting}
            className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
          >
            Reject…
          </button>
        ) : null}
        {cancel ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => {
              if (confirm(`Cancel this ${noun}? It will not be sent.`)) run(cancel);
            }}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium"
          >
            Cancel {noun}
          </button>
        ) : null}
      </div>
      {rejecting && reject ? (
        <form
          className="flex flex-wrap items-end gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            run(() => reject(note));
          }}
        >
          <label className="text-xs">
            <span className="block font-medium text-slate-700">Why? (required)</span>
            <input
              name="note"
              value={note}
              onChange={(e) => setNote(e.target.value)}
              required
              minLength={3}
              maxLength={500}
              className="input mt-0.5 w-56 text-xs"
            />
          </label>
          <button
            type="submit"
            disabled={pending}
            className="rounded-md bg-red-700 px-2 py-1 text-xs font-medium text-white"
          >
            Reject {noun}
          </button>
        </form>
      ) : null}
      <FormError message={error} inline />
    </div>
  );
}
