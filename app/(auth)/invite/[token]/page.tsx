// Accepting an invitation: the link's token is the only credential, so the page reveals only
// what the invitee needs (merchant, role, email) and nothing for an unknown token.
import type { Metadata } from "next";
import Link from "next/link";
import { getDb } from "@/lib/db";
import { ROLE_LABELS } from "@/lib/permissions";
import { getInvitationByToken } from "@/lib/team/get-invitation-by-token";
import { AcceptForm } from "./page-client";

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
  return (
    <AcceptForm
      token={token}
      email={invitation.email}
      merchantName={invitation.merchantName}
      roleLabel={ROLE_LABELS[invitation.role]}
      hasAccount={invitation.hasAccount}
    />
  );
}
