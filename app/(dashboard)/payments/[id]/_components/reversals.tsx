"use client";

import { useState, useTransition } from "react";
import { DecisionActions } from "@/components/decision-actions";
import { FormError, FormSuccess } from "@/components/form-message";
import { RequestStatus } from "@/components/request-status";
import { formatKes, formatNairobiTime } from "@/lib/format";
import {
  approveReversalAction,
  cancelReversalAction,
  type ReversalActionResult,
  rejectReversalAction,
  requestReversalAction,
} from "../actions";

/** One reversal as the payment page shows it; the page works out what the viewer may do. */
export interface ReversalRow {
  id: string;
  status: string;
  amount: number;
  reason: string;
  requester: string;
  requestedByMe: boolean;
  approvalsRequired: number;
  decisions: { label: string; decision: "approved" | "rejected"; note: string | null; at: string }[];
  /** Where it stands, in plain words (reversalMessage). */
  message: string;
  receipt: string | null;
  createdAt: string;
  settledAt: string | null;
  mayDecide: boolean;
  mayCancel: boolean;
}

/** "Refund (reversal)": the amount (the whole payment unless changed) and a required reason. */
export function RequestReversalForm({ paymentId, paid }: { paymentId: string; paid: number }) {
  const [pending, start] = useTransition();
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState<ReversalActionResult & { done?: boolean }>({ error: null });
  if (!open)
    return (
      <div className="space-y-1">
        <button
          type="button"
          onClick={() => setOpen(true)}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium hover:bg-slate-50"
        >
          Refund (reversal)…
        </button>
        <FormSuccess
          message={result.done ? "Requested: it now waits for someone else to approve it." : null}
        />
      </div>
    );
  return (
    <form
      data-testid="reversal-form"
      className="max-w-md space-y-3 rounded-xl border border-slate-200 bg-white p-4"
      onSubmit={(event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        start(async () => {
          const r = await requestReversalAction(paymentId, {
            amount: form.get("amount"),
            reason: form.get("reason"),
          });
          setResult({ ...r, done: !r.error });
          if (!r.error) setOpen(false);
        });
      }}
    >
      <p className="text-sm text-slate-700">
        M-Pesa sends the money back to the payer from your utility account. Someone other than you must
        approve it first.
      </p>
      <label className="block text-sm">
        <span className="font-medium">Amount (KES)</span>
        <input
          name="amount"
          inputMode="numeric"
          defaultValue={paid}
          aria-invalid={result.field === "amount"}
          className="input mt-1 w-full"
        />
        <span className="text-xs text-slate-600">At most {formatKes(paid)}, the amount paid.</span>
      </label>
      <label className="block text-sm">
        <span className="font-medium">Reason (required)</span>
        <input
          name="reason"
          required
          minLength={2}
          maxLength={100}
          aria-invalid={result.field === "reason"}
          className="input mt-1 w-full"
          placeholder="e.g. Order cancelled by the customer"
        />
      </label>
      <FormError message={result.error} />
      <div className="flex flex-wrap gap-2">
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
        >
          {pending ? "Requesting…" : "Request reversal"}
        </button>
        <button
          type="button"
          onClick={() => setOpen(false)}
          className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
        >
          Close
        </button>
      </div>
    </form>
  );
}

/** The payment's reversals, newest first, with the decisions the viewer may take. */
export function ReversalList({ rows }: { rows: ReversalRow[] }) {
  return (
    <ul className="space-y-3" data-testid="reversals">
      {rows.map((r) => (
        <li
          key={r.id}
          data-reversal-id={r.id}
          className="space-y-2 rounded-xl border border-slate-200 bg-white p-4 text-sm"
        >
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium tabular-nums">{formatKes(r.amount)}</span>
            <RequestStatus status={r.status} />
            {r.receipt ? <span className="font-mono text-xs">Reversal receipt {r.receipt}</span> : null}
          </div>
          {r.status === "reversed" ? (
            <p className="font-medium text-violet-900" data-testid="reversal-done">
              Reversed: {formatKes(r.amount)} went back to the payer.
            </p>
          ) : (
            <p className="text-slate-700">{r.message}</p>
          )}
          <dl className="grid gap-x-4 gap-y-1 text-slate-600 sm:grid-cols-[auto_1fr]">
            <dt>Reason</dt>
            <dd className="text-slate-900">{r.reason}</dd>
            <dt>Requested by</dt>
            <dd className="text-slate-900">
              {r.requestedByMe ? "You" : r.requester} · {formatNairobiTime(new Date(r.createdAt))}
            </dd>
            <dt>Approvals</dt>
            <dd className="text-slate-900">
              {r.decisions.filter((d) => d.decision === "approved").length}/{r.approvalsRequired}
              {r.decisions.map((d) => (
                <span key={`${d.label}-${d.at}`} className="block text-xs text-slate-600">
                  {d.decision === "approved" ? "Approved" : "Rejected"} by {d.label} ·{" "}
                  {formatNairobiTime(new Date(d.at))}
                  {d.note ? ` · “${d.note}”` : ""}
                </span>
              ))}
            </dd>
            {r.settledAt ? (
              <>
                <dt>Settled</dt>
                <dd className="text-slate-900">{formatNairobiTime(new Date(r.settledAt))}</dd>
              </>
            ) : null}
          </dl>
          <DecisionActions
            noun="reversal"
            approveLabel="Approve reversal"
            approve={r.mayDecide ? () => approveReversalAction(r.id) : undefined}
            reject={r.mayDecide ? (note) => rejectReversalAction(r.id, note) : undefined}
            cancel={r.mayCancel ? () => cancelReversalAction(r.id) : undefined}
          />
        </li>
      ))}
    </ul>
  );
}
