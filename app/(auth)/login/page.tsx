import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { safeRedirectPath } from "@/lib/safe-redirect";
import { currentSession } from "@/lib/session";
import { LoginForm } from "./page-client";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; expired?: string }>;
}) {
  const { callbackUrl, expired } = await searchParams;
  // Only a session the server still honours counts: a signed-out cookie must see the form,
  // or the dashboard's redirect here for an ended session would loop.
  if (await currentSession()) redirect(safeRedirectPath(callbackUrl));
  return (
    <LoginForm
      callbackUrl={safeRedirectPath(callbackUrl)}
      notice={expired ? "Your session has ended. Sign in again to continue." : null}
    />
  );
}
