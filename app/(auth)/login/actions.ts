"use server";

import { AuthError, CredentialsSignin } from "next-auth";
import { signIn } from "@/lib/auth";
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
    if (error instanceof CredentialsSignin && error.code === "rate_limited") {
      return {
        email,
        error: "Too many failed attempts. Wait 15 minutes, or ask an admin to check your account.",
      };
    }
    if (error instanceof AuthError) return { email, error: "Wrong email or password." };
    throw error; // the redirect after a successful sign-in travels as an exception
  }
}
