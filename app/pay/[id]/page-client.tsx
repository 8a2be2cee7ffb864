"use client";

// Kept deliberately small (plain state and fetch, no query library): customers open this on
// cheap phones over slow networks.
import { useEffect, useState, useTransition } from "react";
import type { CheckoutView } from "@/lib/payments/collections/get-checkout-view";
import { payAction } from "./actions";

const LOOKS_KENYAN = /^(?:\+?254|0)?[17]\d{8}$/;

export function Checkout({ initial }: { initial: CheckoutView }) {
  const [view, setView] = useState(initial);
  const [phone, setPhone] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const waiting = view.state === "open" && view.attempt?.status === "pending";

  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(async () => {
      const res = await fetch(`/api/pay/${view.id}`, { cache: "no-store" }).catch(() => null);
      if (res?.ok) setView((await res.json()) as CheckoutView);
    }, 2000);
    return () => clearInterval(timer);
  }, [waiting, view.id]);

  if (view.state === "paid") {
    return (
      <div role="status" className="rounded-lg bg-green-50 p-4 text-green-900">
        <p className="text-lg font-semibold">Paid. Thank you!</p>
        {view.attempt?.receipt ? (
          <p className="mt-1">
            M-Pesa receipt <b data-testid="receipt">{view.attempt.receipt}</b>
          </p>
        ) : null}
      </div>
    );
  }
  if (view.state === "expired" || view.state === "cancelled") {
    return (
      <p role="status" className="rounded-lg bg-amber-50 p-4 text-amber-900">
        {view.state === "expired"
          ? "This payment link has expired. Ask the merchant for a new one."
          : "This payment link was cancelled."}
      </p>
    );
  }
  if (waiting) {
    return (
      <div role="status" aria-live="polite" className="rounded-lg bg-slate-50 p-4">
        <p className="text-lg font-semibold">Check your phone</p>
        <p className="mt-1 text-slate-700">
          Enter your M-Pesa PIN on the prompt sent to {view.attempt?.phone}.
        </p>
        <p className="mt-3 text-sm text-slate-500">This page updates by itself.</p>
      </div>
    );
  }

  const failed = view.attempt && view.attempt.status !== "pending" ? view.attempt : null;
  const valid = LOOKS_KENYAN.test(phone.replace(/[\s-]/g, ""));
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    setError(null);
    startTransition(async () => {
      const result = await payAction(view.id, phone);
      if (result.error) setError(result.error);
      else {
        const res = await fetch(`/api/pay/${view.id}`, { cache: "no-store" });
        if (res.ok) setView((await res.json()) as CheckoutView);
      }
    });
  };
  return (
    <form onSubmit={submit} className="space-y-3">
      {failed ? (
        <p role="alert" className="rounded-lg bg-red-50 p-3 text-red-900">
          {failed.message} You can try again.
        </p>
      ) : null}
      <label className="block">
        <span className="text-sm font-medium">M-Pesa phone number</span>
        <input
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          placeholder="07XX XXX XXX"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          aria-invalid={phone !== "" && !valid}
          aria-describedby="phone-help"
          className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-3 text-lg"
        />
      </label>
      <p id="phone-help" className={`text-sm ${phone !== "" && !valid ? "text-red-700" : "text-slate-500"}`}>
        {phone !== "" && !valid
          ? "Enter a Safaricom number like 0712 345 678."
          : "You will get a prompt to enter your PIN."}
      </p>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
      <button
        type="submit"
        disabled={pending || !valid}
        className="w-full rounded-lg bg-green-700 px-4 py-3 text-lg font-semibold text-white disabled:bg-green-700/50"
      >
        {pending ? "Sending prompt…" : failed ? "Try again" : "Pay with M-Pesa"}
      </button>
    </form>
  );
}
