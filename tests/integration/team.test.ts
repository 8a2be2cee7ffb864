import { describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { verifyPassword } from "@/lib/security/password";
import { acceptInvitation } from "@/lib/team/accept-invitation";
import { createInvitation, INVITATION_TTL_MS } from "@/lib/team/create-invitation";
import { getInvitationByToken } from "@/lib/team/get-invitation-by-token";
import { removeMember } from "@/lib/team/remove-member";
import { revokeInvitation } from "@/lib/team/revoke-invitation";
import { updateMemberRole } from "@/lib/team/update-member-role";
import { tenantDb } from "@/lib/tenancy/tenant-db";
import { createMember, TEST_PASSWORD } from "../factories";
import { testDb } from "./db";

describe("team: invitations and roles", () => {
  const db = testDb();
  const actorOf = (m: Awaited<ReturnType<typeof createMember>>) => ({
    id: m.user.id,
    label: m.user.email,
    role: m.membership.role,
  });

  it("invites with a one-time link whose token is not stored; accepting sets the first password and the role", async () => {
    const owner = await createMember(db, { role: "owner" });
    const { token, invitation } = await createInvitation(db, {
      merchantId: owner.merchantId,
      email: "  Wanjiru@Example.com ",
      role: "approver",
      actor: actorOf(owner),
    });
    expect(invitation.email).toBe("wanjiru@example.com");
    expect(
      JSON.stringify(await db.invitation.findUniqueOrThrow({ where: { id: invitation.id } })),
    ).not.toContain(token);
    expect(await getInvitationByToken(db, { token })).toMatchObject({ state: "pending", hasAccount: false });

    await expect(acceptInvitation(db, { token, name: "Wanjiru", password: "short" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    const accepted = await acceptInvitation(db, {
      token,
      name: "Wanjiru",
      password: "a long first password",
    });
    expect(accepted).toMatchObject({ email: "wanjiru@example.com", role: "approver" });
    const membership = await db.membership.findFirstOrThrow({ where: { userId: accepted.userId } });
    expect(membership).toMatchObject({ merchantId: owner.merchantId, role: "approver" });

    // once only, and the new password signs in
    await expect(
      acceptInvitation(db, { token, name: "Someone", password: "another long password" }),
    ).rejects.toMatchObject({ code: "conflict" });
    const user = await db.user.findUniqueOrThrow({ where: { email: "wanjiru@example.com" } });
    expect(await verifyPassword(user.passwordHash, "a long first password")).toBe(true);
    const actions = (await db.auditLog.findMany({ where: { merchantId: owner.merchantId } })).map(
      (r) => r.action,
    );
    expect(actions).toEqual(expect.arrayContaining(["team.invited", "team.invitation_accepted"]));
    expect((await verifyAuditChain(db, { chain: owner.merchantId })).ok).toBe(true);
  });

  it("two concurrent accepts of one link: exactly one account is made", async () => {
    const owner = await createMember(db, { role: "owner" });
    const { token } = await createInvitation(db, {
      merchantId: owner.merchantId,
      email: "race@example.com",
      role: "viewer",
      actor: actorOf(owner),
    });
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) =>
        acceptInvitation(db, { token, name: `Racer ${i}`, password: `password number ${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await db.user.count({ where: { email: "race@example.com" } })).toBe(1);
  });

  it("an existing account joins with its own password; expired and withdrawn links are refused", async () => {
    const owner = await createMember(db, { role: "owner" });
    const elsewhere = await createMember(db, { role: "owner" });
    const { token } = await createInvitation(db, {
      merchantId: owner.merchantId,
      email: elsewhere.user.email,
      role: "developer",
      actor: actorOf(owner),
    });
    expect(await getInvitationByToken(db, { token })).toMatchObject({ hasAccount: true });
    await expect(acceptInvitation(db, { token, password: "not the password" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    await acceptInvitation(db, { token, password: TEST_PASSWORD });
    expect(await db.membership.count({ where: { userId: elsewhere.user.id } })).toBe(2);

    const late = await createInvitation(db, {
      merchantId: owner.merchantId,
      email: "late@example.com",
      role: "viewer",
      actor: actorOf(owner),
    });
    await expect(
      acceptInvitation(db, {
        token: late.token,
        name: "Late",
        password: "a long first password",
        now: new Date(Date.now() + INVITATION_TTL_MS + 1000),
      }),
    ).rejects.toMatchObject({ code: "conflict" });
    await revokeInvitation(db, {
      merchantId: owner.merchantId,
      invitationId: late.invitation.id,
      actor: actorOf(owner),
    });
    expect(await getInvitationByToken(db, { token: late.token })).toMatchObject({ state: "revoked" });
    // Inviting again replaces a pending invitation: the first link stops working.
    const first = await createInvitation(db, {
      merchantId: owner.merchantId,
      email: "twice@example.com",
      role: "viewer",
      actor: actorOf(owner),
    });
    await createInvitation(db, {
      merchantId: owner.merchantId,
      email: "twice@example.com",
      role: "viewer",
      actor: actorOf(owner),
    });
    expect(await getInvitationByToken(db, { token: first.token })).toMatchObject({ state: "revoked" });
    await expect(
      createInvitation(db, {
        merchantId: owner.merchantId,
        email: elsewhere.user.email,
        role: "viewer",
        actor: actorOf(owner),
      }),
    ).rejects.toMatchObject({ code: "conflict" });
  });

  it("admins cannot make or touch owners; nobody changes or removes themselves", async () => {
    const owner = await createMember(db, { role: "owner" });
    const admin = await createMember(db, { role: "admin", merchantId: owner.merchantId });
    const viewer = await createMember(db, { role: "viewer", merchantId: owner.merchantId });
    const m = owner.merchantId;
    await expect(
      createInvitation(db, {
        merchantId: m,
        email: "boss@example.com",
        role: "owner",
        actor: actorOf(admin),
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      updateMemberRole(db, {
        merchantId: m,
        membershipId: owner.membership.id,
        role: "viewer",
        actor: actorOf(admin),
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      updateMemberRole(db, {
        merchantId: m,
        membershipId: viewer.membership.id,
        role: "owner",
        actor: actorOf(admin),
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      updateMemberRole(db, {
        merchantId: m,
        membershipId: admin.membership.id,
        role: "owner",
        actor: actorOf(admin),
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      removeMember(db, { merchantId: m, membershipId: owner.membership.id, actor: actorOf(owner) }),
    ).rejects.toMatchObject({ code: "forbidden" });

    await updateMemberRole(db, {
      merchantId: m,
      membershipId: viewer.membership.id,
      role: "approver",
      actor: actorOf(admin),
    });
    await removeMember(db, { merchantId: m, membershipId: viewer.membership.id, actor: actorOf(admin) });
    expect(await db.membership.count({ where: { merchantId: m } })).toBe(2);
    expect(
      (await db.auditLog.findMany({ where: { merchantId: m }, orderBy: { seq: "asc" } })).map(
        (r) => r.action,
      ),
    ).toEqual(["team.role_changed", "team.member_removed"]);
  });

  it("another merchant's ids are not found through a scoped client", async () => {
    const a = await createMember(db, { role: "owner" });
    const b = await createMember(db, { role: "owner" });
    const bViewer = await createMember(db, { role: "viewer", merchantId: b.merchantId });
    const { invitation } = await createInvitation(db, {
      merchantId: b.merchantId,
      email: "b-invite@example.com",
      role: "viewer",
      actor: actorOf(b),
    });
    const scoped = tenantDb(db, a.merchantId);
    const actor = actorOf(a);
    await expect(
      updateMemberRole(scoped, {
        merchantId: a.merchantId,
        membershipId: bViewer.membership.id,
        role: "admin",
        actor,
      }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      removeMember(scoped, { merchantId: a.merchantId, membershipId: bViewer.membership.id, actor }),
    ).rejects.toMatchObject({ code: "not_found" });
    await expect(
      revokeInvitation(scoped, { merchantId: a.merchantId, invitationId: invitation.id, actor }),
    ).rejects.toMatchObject({ code: "not_found" });
    expect(await db.membership.findUniqueOrThrow({ where: { id: bViewer.membership.id } })).toMatchObject({
      role: "viewer",
    });
  });
});
