import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "@/components/button";
import { auth } from "@/lib/auth";
import { signOutAction } from "./actions";

export const metadata: Metadata = { title: "Sign out" };

export default async function LogoutPage({
  searchParams,
}: {
  searchParams: Promise<{ done?: string; expired?: string }>;
}) {
  const { expired } = await searchParams;
  const session = await auth();
  if (!session?.user) {
    return (
      <div className="space-y-4 text-center">
        <h1 className="text-xl font-semibold">You are signed out</h1>
        <p className="text-sm text-slate-600">Close this window on a shared computer.</p>
        <Link href="/login" className="inline-block text-sm font-medium text-brand-700 underline">
          Sign in again
        </Link>
      </div>
    );
  }
  return (
    <form action={signOutAction} className="space-y-4 text-center">
      <h1 className="text-xl font-semibold">{expired ? "Your access has changed" : "Sign out of Malipo?"}</h1>
      <p className="text-sm text-slate-600">
        {expired
          ? "Your account or membership was changed. Sign out, then sign in again."
          : `Signed in as ${session.user.email ?? "you"}.`}
      </p>
      <Button type="submit" className="w-full">
        Sign out
      </Button>
      {expired ? null : (
        <Link href="/" className="block text-sm text-slate-600 underline">
          Back to the dashboard
        </Link>
      )}
    </form>
  );
}
