// Accepting an invitation: the link's token is the only credential, so the page reveals only
// what the invitee needs (merchant, role, email), nothing for an unknown token, and never whether
// the email already has an account: an existing user joins by being signed in as themselves.
import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/lib/db";
import { ROLE_LABELS } from "@/lib/permissions";
import { currentSession } from "@/lib/session";
import { getInvitationByToken } from "@/lib/team/get-invitation-by-token";
import { CreateAccountForm, JoinForm } from "./page-client";

export const metadata: Metadata = { title: "Join a team", referrer: "no-referrer" };

const ENDED: Record<string, string> = {
  accepted: "This invitation was already used. Sign in with the password you chose.",
  revoked: "This invitation was withdrawn. Ask whoever invited you for a new link.",
  expired: "This invitation has expired (links last 7 days). Ask whoever invited you for a new one.",
};

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const invitation = await getInvitationByToken(getDb(), { token });
  if (invitation?.state !== "pending") {
    return (
      <div className="space-y-4">
        <h1 className="text-xl font-semibold">Invitation not usable</h1>
        <p className="text-sm text-slate-700" role="alert">
          {invitation
            ? ENDED[invitation.state]
            : "This invitation link is not valid. Check that you copied all of it."}
        </p>
        <Link href="/login" className="text-sm font-medium text-brand-800 underline">
          Go to sign in
        </Link>
      </div>
    );
  }
  const shown = {
    token,
    email: invitation.email,
    merchantName: invitation.merchantName,
    roleLabel: ROLE_LABELS[invitation.role],
  };
  const session = await currentSession();
  if (!session) return <CreateAccountForm invitation={shown} />;
  if (session.email === invitation.email) return <JoinForm invitation={shown} />;
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">This invitation is for another account</h1>
      <p className="text-sm text-slate-700" role="alert">
        It was sent to {invitation.email}, and you are signed in as {session.email}. Sign out, then open the
        link again and sign in as the invited person (or create their account).
      </p>
      <Link href="/logout" className="text-sm font-medium text-brand-800 underline">
        Sign out
      </Link>
    </div>
  );
}
