"use server";

import { AuthError } from "next-auth";
import { RateLimitedSignIn, signIn } from "@/lib/auth";
import { safeRedirectPath } from "@/lib/safe-redirect";

export interface SignInState {
  error: string | null;
  email: string;
}

export async function signInAction(_prev: SignInState, form: FormData): Promise<SignInState> {
  const email = String(form.get("email") ?? "");
  try {
    await signIn("credentials", {
      email,
      password: String(form.get("password") ?? ""),
      redirectTo: safeRedirectPath(form.get("callbackUrl")),
    });
    return { error: null, email };
  } catch (error) {
    // While the throttle says wait, the password was not even checked.
    if (error instanceof RateLimitedSignIn)
      return { email, error: `Too many attempts, try again in ${error.retryAfterSeconds} s.` };
    if (error instanceof AuthError) return { email, error: "Wrong email or password." };
    throw error; // the redirect after a successful sign-in travels as an exception
  }
}
