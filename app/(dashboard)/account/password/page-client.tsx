"use client";

import { useActionState } from "react";
import { Button } from "@/components/button";
import { FormError, FormSuccess } from "@/components/form-message";
import { NewPasswordFields } from "@/components/new-password-fields";
import { type ChangePasswordState, changePasswordAction } from "./actions";

export function ChangePasswordForm({ email }: { email: string }) {
  const [state, action, pending] = useActionState<ChangePasswordState, FormData>(changePasswordAction, {
    error: null,
    message: null,
  });
  return (
    <form action={action} className="space-y-4">
      {/* Lets password managers file the new password under the right account. */}
      <input type="hidden" name="email" value={email} autoComplete="username" />
      <label className="block">
        <span className="text-sm font-medium text-slate-700">Current password</span>
        <input
          name="currentPassword"
          type="password"
          required
          maxLength={256}
          autoComplete="current-password"
          className="input mt-1 w-full"
        />
      </label>
      <NewPasswordFields name="newPassword" />
      <FormError message={state.error} />
      <FormSuccess message={state.message} />
      <Button type="submit" disabled={pending}>
        {pending ? "Changing…" : "Change password"}
      </Button>
    </form>
  );
}
