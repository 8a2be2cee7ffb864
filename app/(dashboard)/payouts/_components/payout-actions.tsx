"use client";

import { useState, useTransition } from "react";
import { DecisionActions } from "@/components/decision-actions";
import { FormError, FormSuccess } from "@/components/form-message";
import { approveBatchAction, approvePayoutAction, cancelPayoutAction, rejectPayoutAction } from "../actions";

/** Approve, reject (with a required note) and cancel for one payout. */
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
  return (
    <DecisionActions
      noun="payout"
      approve={mayDecide ? () => approvePayoutAction(payoutId) : undefined}
      reject={mayDecide ? (note) => rejectPayoutAction(payoutId, note) : undefined}
      cancel={mayCancel ? () => cancelPayoutAction(payoutId) : undefined}
      onDone={onDone}
    />
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
