"use client";

import Link from "next/link";
import { type FormEvent, startTransition, useActionState, useEffect, useRef, useState } from "react";
import { FormError, FormSuccess } from "@/components/form-message";
import { formatKes } from "@/lib/format";
import { type CsvState, payoutCsvAction, type RequestState, requestPayoutAction } from "../actions";

const B2C = [
  ["BusinessPayment", "Business payment"],
  ["SalaryPayment", "Salary"],
  ["PromotionPayment", "Promotion"],
] as const;
const B2B = [
  ["BusinessPayBill", "Paybill"],
  ["BusinessBuyGoods", "Till (buy goods)"],
] as const;

/**
 * Submits through the action without React's automatic form reset: a refused payout keeps what
 * was typed, and a previewed CSV keeps its file for the confirm button. The submitter (the button
 * pressed) travels with the data, as in a native submission.
 */
function submitKeeping(dispatch: (data: FormData) => void) {
  return (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const data = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(data));
  };
}

/** One payout: to a phone (B2C) or to a paybill or till (B2B). */
export function NewPayoutForm() {
  const [state, action, pending] = useActionState<RequestState, FormData>(requestPayoutAction, {
    error: null,
    errors: [],
    payoutId: null,
  });
  const [kind, setKind] = useState<"b2c" | "b2b">("b2c");
  const [command, setCommand] = useState<string>("BusinessPayment");
  const fieldError = (field: string) => state.errors.find((e) => e.field === field)?.message;
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (state.payoutId) formRef.current?.reset();
  }, [state.payoutId]);
  return (
    <form
      ref={formRef}
      onSubmit={submitKeeping(action)}
      className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 text-sm"
    >
      <h2 className="font-semibold">New payout</h2>
      <fieldset className="flex gap-4">
        <legend className="sr-only">Pay to</legend>
        {(
          [
            ["b2c", "A phone (B2C)", "BusinessPayment"],
            ["b2b", "A paybill or till (B2B)", "BusinessPayBill"],
          ] as const
        ).map(([value, label, first]) => (
          <label key={value} className="flex items-center gap-1.5">
            <input
              type="radio"
              name="kind"
              value={value}
              checked={kind === value}
              onChange={() => {
                setKind(value);
                setCommand(first);
              }}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <div className="grid gap-3 sm:grid-cols-2">
        <Labelled label="Type" htmlFor="payout-command" error={fieldError("command")}>
          <select
            id="payout-command"
            name="command"
            value={command}
            onChange={(e) => setCommand(e.target.value)}
            className="input w-full"
          >
            {(kind === "b2c" ? B2C : B2B).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Labelled>
        <Labelled label="Amount (KES)" htmlFor="payout-amount" error={fieldError("amount")}>
          <input id="payout-amount" name="amount" inputMode="numeric" required className="input w-full" />
        </Labelled>
        {kind === "b2c" ? (
          <Labelled label="Recipient phone" htmlFor="payout-phone" error={fieldError("phone")}>
            <input
              id="payout-phone"
              name="phone"
              inputMode="tel"
              required
              placeholder="0712 345 678"
              className="input w-full"
            />
          </Labelled>
        ) : (
          <>
            <Labelled
              label={command === "BusinessBuyGoods" ? "Till number" : "Paybill number"}
              htmlFor="payout-shortcode"
              error={fieldError("shortcode")}
            >
              <input
                id="payout-shortcode"
                name="shortcode"
                inputMode="numeric"
                required
                className="input w-full"
              />
            </Labelled>
            {command === "BusinessPayBill" ? (
              <Labelled
                label="Account number at the paybill"
                htmlFor="payout-accountReference"
                error={fieldError("accountReference")}
              >
                <input
                  id="payout-accountReference"
                  name="accountReference"
                  required
                  maxLength={12}
                  className="input w-full"
                />
              </Labelled>
            ) : null}
          </>
        )}
        <Labelled label="Remarks" htmlFor="payout-remarks" error={fieldError("remarks")}>
          <input
            id="payout-remarks"
            name="remarks"
            required
            minLength={2}
            maxLength={100}
            className="input w-full"
          />
        </Labelled>
        <Labelled label="Occasion (optional)" htmlFor="payout-occasion" error={fieldError("occasion")}>
          <input id="payout-occasion" name="occasion" maxLength={100} className="input w-full" />
        </Labelled>
      </div>
      <FormError message={state.error} />
      {state.payoutId ? (
        <FormSuccess message="Requested: it now waits for someone else to approve it." />
      ) : null}
      <button
        type="submit"
        disabled={pending}
        className="rounded-md bg-brand-700 px-4 py-2 font-medium text-white"
      >
        {pending ? "Requesting…" : "Request payout"}
      </button>
    </form>
  );
}

/**
 * Bulk payouts: choose a file, preview it (nothing is stored), then queue the valid rows as one
 * batch. The same file input is sent again on confirm; the server checks it again.
 */
export function CsvUploadForm() {
  const [state, action, pending] = useActionState<CsvState, FormData>(payoutCsvAction, {
    error: null,
    preview: null,
    batchId: null,
    excluded: [],
  });
  const problems = state.batchId ? state.excluded : (state.preview?.invalid ?? []);
  // A file chosen after the preview has not been previewed: no confirm until it is.
  const [changed, setChanged] = useState(false);
  return (
    <form
      onSubmit={(event) => {
        setChanged(false);
        submitKeeping(action)(event);
      }}
      className="space-y-3 rounded-xl border border-slate-200 bg-white p-4 text-sm"
      data-testid="payout-csv"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 className="font-semibold">Upload CSV</h2>
        <a href="/api/dashboard/payouts/template" className="text-brand-700 underline" download>
          Download the template
        </a>
      </div>
      <p className="text-slate-600">
        Up to 10,000 rows or 2 MB. Each row is checked like a single payout; rows with a problem are listed
        and left out.
      </p>
      <label className="block">
        <span className="font-medium text-slate-700">CSV file</span>
        <input
          type="file"
          name="file"
          accept=".csv,text/csv"
          required
          onChange={() => setChanged(true)}
          className="mt-1 block w-full"
        />
      </label>
      <label className="block">
        <span className="font-medium text-slate-700">Batch name</span>
        <input name="name" maxLength={100} placeholder="e.g. Riders week 48" className="input mt-1 w-full" />
      </label>
      <FormError message={state.error} />
      {state.preview && !state.batchId ? (
        <div role="status" className="rounded-md bg-slate-50 p-3" data-testid="payout-csv-preview">
          <p>
            <strong>{state.preview.count}</strong> payouts, total{" "}
            <strong>{formatKes(state.preview.total)}</strong>, ready to queue
            {state.preview.rows > state.preview.count
              ? `; ${state.preview.rows - state.preview.count} of ${state.preview.rows} rows have problems and will be left out`
              : ""}
            .
          </p>
        </div>
      ) : null}
      {state.batchId ? (
        <div role="status" className="rounded-md bg-green-50 p-3 text-green-900">
          Queued for approval.{" "}
          <Link href={`/payouts/batches/${state.batchId}`} className="font-medium underline">
            Open the batch
          </Link>
          {state.excluded.length > 0 ? ` (${state.excluded.length} problems left out, below)` : null}
        </div>
      ) : null}
      {problems.length > 0 ? (
        <table className="w-full text-left text-xs" data-testid="payout-csv-problems">
          <caption className="mb-1 text-left font-medium text-red-800">Rows left out</caption>
          <thead>
            <tr className="text-slate-600">
              <th className="pr-2">Row</th>
              <th className="pr-2">Column</th>
              <th className="pr-2">Problem</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {problems.map((p) => (
              <tr key={`${p.row}-${p.field}`}>
                <td className="pr-2 tabular-nums">{p.row}</td>
                <td className="pr-2 font-mono">{p.field}</td>
                <td className="pr-2">{p.message}</td>
                <td className="font-mono">{p.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <button
          type="submit"
          name="intent"
          value="preview"
          disabled={pending}
          className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium"
        >
          Preview
        </button>
        {state.preview && !state.batchId && !changed && state.preview.count > 0 ? (
          <button
            type="submit"
            name="intent"
            value="queue"
            disabled={pending}
            className="rounded-md bg-brand-700 px-4 py-2 font-medium text-white"
          >
            Queue {state.preview.count} payouts for approval
          </button>
        ) : null}
      </div>
    </form>
  );
}

function Labelled({
  label,
  htmlFor,
  error,
  children,
}: {
  label: string;
  htmlFor: string;
  error: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <div>
      <label htmlFor={htmlFor} className="block font-medium text-slate-700">
        {label}
      </label>
      <div className="mt-1">{children}</div>
      {error ? <span className="text-xs text-red-700">{error}</span> : null}
    </div>
  );
}
