"use server";

import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AuthError } from "next-auth";
import { signIn } from "@/lib/auth";
import { getDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { passwordCheckContext } from "@/lib/password-checks";
import { clientIp } from "@/lib/security/client-ip";
import { currentSession, setMerchantCookie } from "@/lib/session";
import { acceptInvitation, SIGN_IN_FIRST } from "@/lib/team/accept-invitation";

export type AcceptState = { error: string | null };

/** The signed-in user joins the team; who they are comes from the session, never from the form. */
export async function joinTeamAction(_prev: AcceptState, form: FormData): Promise<AcceptState> {
  const session = await currentSession();
  if (!session) return { error: SIGN_IN_FIRST };
  let merchantSlug: string;
  try {
    const accepted = await acceptInvitation(getDb(), {
      token: String(form.get("token") ?? ""),
      signedInUserId: session.userId,
      ip: clientIp(await headers()),
    });
    merchantSlug = accepted.merchantSlug;
  } catch (error) {
    if (error instanceof AppError) return { error: error.publicMessage };
    throw error;
  }
  await setMerchantCookie(merchantSlug);
  redirect("/");
}

/** Creates the invited person's account, then signs them in with the password they just chose. */
export async function createAccountAction(_prev: AcceptState, form: FormData): Promise<AcceptState> {
  const password = String(form.get("password") ?? "");
  if (form.get("confirm") !== password)
    return { error: "The two passwords differ: type the same one twice." };
  let email: string;
  let merchantSlug: string;
  try {
    const accepted = await acceptInvitation(getDb(), {
      token: String(form.get("token") ?? ""),
      name: String(form.get("name") ?? ""),
      password,
      ip: clientIp(await headers()),
      policy: (await passwordCheckContext()).policy,
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
