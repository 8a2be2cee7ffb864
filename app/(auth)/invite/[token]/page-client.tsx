"use client";

import { useActionState } from "react";
import { Button } from "@/components/button";
import { type AcceptState, acceptInvitationAction } from "./actions";

export function AcceptForm(props: {
  token: string;
  email: string;
  merchantName: string;
  roleLabel: string;
  hasAccount: boolean;
}) {
  const [state, action, pending] = useActionState<AcceptState, FormData>(acceptInvitationAction, {
    error: null,
  });
  return (
    <form action={action} className="space-y-5">
      <div>
        <h1 className="text-xl font-semibold">Join {props.merchantName}</h1>
        <p className="mt-1 text-sm text-slate-600">
          You were invited as <strong>{props.roleLabel}</strong> ({props.email}).
          {props.hasAccount
            ? " You already have a Malipo account: confirm with its password."
            : " Choose your name and a password to finish."}
        </p>
      </div>
      {state.error ? (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
      <input type="hidden" name="token" value={props.token} />
      <input type="hidden" name="email" value={props.email} autoComplete="username" />
      {props.hasAccount ? null : (
        <label className="block">
          <span className="text-sm font-medium text-slate-700">Your name</span>
          <input name="name" required maxLength={100} autoComplete="name" className="input mt-1 w-full" />
        </label>
      )}
      <label className="block">
        <span className="text-sm font-medium text-slate-700">
          {props.hasAccount ? "Password" : "New password"}
        </span>
        <input
          name="password"
          type="password"
          required
          minLength={props.hasAccount ? 1 : 10}
          maxLength={256}
          autoComplete={props.hasAccount ? "current-password" : "new-password"}
          aria-describedby={props.hasAccount ? undefined : "password-rule"}
          className="input mt-1 w-full"
        />
        {props.hasAccount ? null : (
          <span id="password-rule" className="mt-1 block text-xs text-slate-600">
            At least 10 characters. A few unrelated words are easy to remember and hard to guess.
          </span>
        )}
      </label>
      {props.hasAccount ? null : (
        <label className="block">
          <span className="text-sm font-medium text-slate-700">Type it again</span>
          <input
            name="confirm"
            type="password"
            required
            minLength={10}
            maxLength={256}
            autoComplete="new-password"
            className="input mt-1 w-full"
          />
        </label>
      )}
      <Button type="submit" disabled={pending} className="w-full">
        {pending ? "Joining…" : "Join the team"}
      </Button>
    </form>
  );
}
