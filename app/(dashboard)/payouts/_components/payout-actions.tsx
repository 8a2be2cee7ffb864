"use client";

import { useState, useTransition } from "react";
import { FormError, FormSuccess } from "@/components/form-message";
import { approveBatchAction, approvePayoutAction, cancelPayoutAction, rejectPayoutAction } from "../actions";

/**
 * Approve, reject (with a required note) and cancel for one payout. The buttons shown follow what
 * the server would allow; the server decides anyway and its refusal is shown as it is.
 */
export function PayoutActions({
  payoutId,
  mayDecide,
  mayCancel,
  onDone,
}: {
  payoutId: string;
  /** Waiting for approval, the viewer may approve, and it is not their own request. */
  mayDecide: boolean;
  /** Not sent yet, and the viewer is its requester or an owner. */
  mayCancel: boolean;
  onDone?: () => void;
}) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState(false);
  const [note, setNote] = useState("");
  const run = (action: () => Promise<{ error: string | null }>) =>
    start(async () => {
      const result = await action();
      setError(result.error);
      if (!result.error) {
        setRejecting(false);
        onDone?.();
      }
    });
  if (!mayDecide && !mayCancel) return null;
  return (
    <div className="space-y-1">
      <div className="flex flex-wrap gap-1">
        {mayDecide ? (
          <>
            <button
              type="button"
              disabled={pending}
              onClick={() => run(() => approvePayoutAction(payoutId))}
              className="rounded-md bg-brand-700 px-2 py-1 text-xs font-medium text-white"
            >
              Approve
            </button>
            <button
              type="button"
              disabled={pending}
              onClick={() => setRejecting((r) => !r)}
              aria-expanded={rejecting}
              className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
            >
              Reject…
            </button>
          </>
        ) : null}
        {mayCancel ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => {
              if (confirm("Cancel this payout? It will not be sent."))
                run(() => cancelPayoutAction(payoutId));
            }}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium"
          >
            Cancel payout
          </button>
        ) : null}
      </div>
      {rejecting ? (
        <form
          className="flex flex-wrap items-end gap-1"
          onSubmit={(event) => {
            event.preventDefault();
            run(() => rejectPayoutAction(payoutId, note));
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
            Reject payout
          </button>
        </form>
      ) : null}
      <FormError message={error} inline />
    </div>
  );
}

/** "Approve batch": every payout of the batch still waiting for this approver, in one decision. */
export function ApproveBatchButton({ batchId, waiting }: { batchId: string; waiting: number }) {
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ error: string | null; message: string | null }>({
    error: null,
    message: null,
  });
  return (
    <div className="space-y-1">
      <button
        type="button"
        disabled={pending}
        onClick={() =>
          start(async () => {
            const r = await approveBatchAction(batchId);
            setResult({
              error: r.error,
              message: r.error
                ? null
                : `Approved: ${r.ready} on their way to M-Pesa${r.waiting ? `, ${r.waiting} waiting for a second approver` : ""}.`,
            });
          })
        }
        className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
      >
        {pending ? "Approving…" : `Approve batch (${waiting} waiting for you)`}
      </button>
      <FormError message={result.error} />
      <FormSuccess message={result.message} />
    </div>
  );
}
