"use client";

import { useActionState } from "react";
import { Button } from "@/components/button";
import { FormError, FormSuccess } from "@/components/form-message";
import { type SessionsState, signOutEverywhereAction, signOutOtherSessionsAction } from "./actions";

export function SignOutSessionsButtons({ others }: { others: number }) {
  const [othersState, othersAction, othersPending] = useActionState<SessionsState, FormData>(
    signOutOtherSessionsAction,
    { error: null, message: null },
  );
  const [everywhereState, everywhereAction, everywherePending] = useActionState<SessionsState, FormData>(
    signOutEverywhereAction,
    { error: null, message: null },
  );
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <form action={othersAction}>
          <Button type="submit" variant="secondary" disabled={othersPending || others === 0}>
            {othersPending ? "Signing out…" : "Sign out other sessions"}
          </Button>
        </form>
        <form
          action={everywhereAction}
          onSubmit={(event) => {
            if (!confirm("Sign out everywhere, this device included?")) event.preventDefault();
          }}
        >
          <Button type="submit" variant="danger" disabled={everywherePending}>
            {everywherePending ? "Signing out…" : "Sign out everywhere"}
          </Button>
        </form>
      </div>
      <FormSuccess message={othersState.message} />
      <FormError message={othersState.error ?? everywhereState.error} />
    </div>
  );
}
