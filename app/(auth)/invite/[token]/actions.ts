"use server";

import { headers } from "next/headers";
import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth";
import { getDb } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { clientIp } from "@/lib/security/client-ip";
import { setMerchantCookie } from "@/lib/session";
import { acceptInvitation } from "@/lib/team/accept-invitation";

export type AcceptState = { error: string | null };

/** Accepts the invitation, then signs the new teammate in with the password they just chose. */
export async function acceptInvitationAction(_prev: AcceptState, form: FormData): Promise<AcceptState> {
  const password = String(form.get("password") ?? "");
  if (form.has("confirm") && form.get("confirm") !== password)
    return { error: "The two passwords differ: type the same one twice." };
  let email: string;
  let merchantSlug: string;
  try {
    const accepted = await acceptInvitation(getDb(), {
      token: String(form.get("token") ?? ""),
      name: form.has("name") ? String(form.get("name")) : undefined,
      password,
      ip: clientIp(await headers(), getEnv().TRUSTED_PROXY_HOPS),
    });
    email = accepted.email;
    merchantSlug = accepted.merchantSlug;
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage };
    throw error;
  }
  await setMerchantCookie(merchantSlug);
  try {
    await signIn("credentials", { email, password, redirectTo: "/" });
  } catch (error) {
    if (error instanceof AuthError) return { error: "You joined the team. Sign in to continue." };
    throw error; // the redirect after signing in travels as an exception
  }
  return { error: null };
}
