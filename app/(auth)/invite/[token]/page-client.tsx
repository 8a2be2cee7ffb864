"use client";

import Link from "next/link";
import { useActionState } from "react";
import { Button } from "@/components/button";
import { FormError } from "@/components/form-message";
import { NewPasswordFields } from "@/components/new-password-fields";
import { type AcceptState, createAccountAction, joinTeamAction } from "./actions";

interface Invitation {
  token: string;
  email: string;
  merchantName: string;
  roleLabel: string;
}

function Heading({ invitation, children }: { invitation: Invitation; children: React.ReactNode }) {
  return (
    <div>
      <h1 className="text-xl font-semibold">Join {invitation.merchantName}</h1>
      <p className="mt-1 text-sm text-slate-600">
        You were invited as <strong>{invitation.roleLabel}</strong> ({invitation.email}). {children}
      </p>
    </div>
  );
}

/** Signed in as the invited email: one click joins. */
export function JoinForm({ invitation }: { invitation: Invitation }) {
  const [state, action, pending] = useActionState<AcceptState, FormData>(joinTeamAction, { error: null });
  return (
    <form action={action} className="space-y-5">
      <Heading invitation={invitation}>You are signed in with this email.</Heading>
      <FormError message={state.error} />
      <input type="hidden" name="token" value={invitation.token} />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Joining…" : `Join ${invitation.merchantName} as ${invitation.roleLabel}`}
      </Button>
    </form>
  );
}

/**
 * Signed out: the same page whether or not the email already has an account (it must not say).
 * Someone new creates their account here; someone with one signs in first and comes back.
 */
export function CreateAccountForm({ invitation }: { invitation: Invitation }) {
  const [state, action, pending] = useActionState<AcceptState, FormData>(createAccountAction, {
    error: null,
  });
  const signInFirst = `/login?callbackUrl=${encodeURIComponent(`/invite/${invitation.token}`)}`;
  return (
    <form action={action} className="space-y-5">
      <Heading invitation={invitation}>New to Malipo? Choose your name and a password.</Heading>
      <p className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700">
        Already have a Malipo account?{" "}
        <Link href={signInFirst} className="font-medium text-brand-800 underline">
          Sign in first
        </Link>
        , then you can join with it.
      </p>
      <FormError message={state.error} />
      <input type="hidden" name="token" value={invitation.token} />
      <input type="hidden" name="email" value={invitation.email} autoComplete="username" />
      <label className="block">
        <span className="text-sm font-medium text-slate-700">Your name</span>
        <input name="name" required maxLength={100} autoComplete="name" className="input mt-1 w-full" />
      </label>
      <NewPasswordFields />
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Creating your account…" : "Create account and join"}
      </Button>
    </form>
  );
}
