import type { Metadata } from "next";
import Link from "next/link";
import { Button } from "@/components/button";
import { currentSession } from "@/lib/session";
import { signOutAction } from "./actions";

export const metadata: Metadata = { title: "Sign out" };

export default async function LogoutPage() {
  // A cookie whose session was already ended counts as signed out: the server refuses it anyway.
  const session = await currentSession();
  if (!session) {
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
      <h1 className="text-xl font-semibold">Sign out of Malipo?</h1>
      <p className="text-sm text-slate-600">Signed in as {session.email}.</p>
      <Button type="submit" className="w-full">
        Sign out
      </Button>
      <Link href="/" className="block text-sm text-slate-600 underline">
        Back to the dashboard
      </Link>
    </form>
  );
}
