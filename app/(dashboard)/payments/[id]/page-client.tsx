"use client";

import { useState, useTransition } from "react";
import { FormError } from "@/components/form-message";
import { revealPhoneAction } from "./actions";

/** Shows the masked number, and the full one on request (the request is audited). */
export function PhoneReveal({ paymentId, masked }: { paymentId: string; masked: string }) {
  const [pending, start] = useTransition();
  const [state, setState] = useState<{ phone: string | null; error: string | null }>({
    phone: null,
    error: null,
  });
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <span className="font-mono" data-testid="payer-phone">
        {state.phone ?? masked}
      </span>
      {state.phone ? null : (
        <button
          type="button"
          disabled={pending}
          onClick={() => start(async () => setState(await revealPhoneAction(paymentId)))}
          className="rounded-md border border-slate-300 bg-white px-2 py-0.5 text-xs font-medium"
        >
          {pending ? "…" : "Show full number"}
        </button>
      )}
      <FormError inline message={state.error} />
    </span>
  );
}
