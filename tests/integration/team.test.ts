import { describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit/verify-audit-chain";
import { verifyPassword } from "@/lib/security/password";
import { ipThrottleKey, SIGN_IN_THROTTLE } from "@/lib/security/sign-in-throttle";
import { acceptInvitation, SIGN_IN_FIRST } from "@/lib/team/accept-invitation";
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
    const shown = await getInvitationByToken(db, { token });
    expect(shown).toMatchObject({ state: "pending" });
    expect(shown).not.toHaveProperty("hasAccount");

    await expect(acceptInvitation(db, { token, name: "Wanjiru", password: "short" })).rejects.toMatchObject({
      code: "validation_failed",
    });
    // Long but trivially guessable passwords are refused with zxcvbn's advice, naming the field.
    for (const weak of ["aaaaaaaaaa", "password123456", "wanjiru@example.com"])
      await expect(acceptInvitation(db, { token, name: "Wanjiru", password: weak })).rejects.toMatchObject({
        code: "validation_failed",
        publicMessage: expect.stringMatching(/too easy to guess/),
        details: { field: "password" },
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

  it("an existing account never joins with a password, only by being signed in as the invited email", async () => {
    const owner = await createMember(db, { role: "owner" });
    const elsewhere = await createMember(db, { role: "owner" });
    const stranger = await createMember(db, { role: "owner" });
    const { token, invitation } = await createInvitation(db, {
      merchantId: owner.merchantId,
      email: elsewhere.user.email,
      role: "developer",
      actor: actorOf(owner),
    });
    const ip = "10.9.0.1";
    // No password path: even the account's right password only answers "sign in first".
    await expect(acceptInvitation(db, { token, password: TEST_PASSWORD } as never)).rejects.toMatchObject({
      code: "validation_failed",
    });
    for (const password of [TEST_PASSWORD, "not the password at all"])
      await expect(acceptInvitation(db, { token, name: "Attacker", password, ip })).rejects.toMatchObject({
        code: "conflict",
        publicMessage: SIGN_IN_FIRST,
      });
    expect(await db.membership.count({ where: { userId: elsewhere.user.id } })).toBe(1);
    // Audited outside the inviting merchant's log (the inviter must not learn it there either)…
    const probes = await db.auditLog.findMany({ where: { action: "team.invitation_account_exists" } });
    expect(probes).toHaveLength(2);
    expect(probes.every((p) => p.merchantId === null && p.ip === ip && p.targetId === invitation.id)).toBe(
      true,
    );
    // …and counted against the address's sign-in throttle: a prober is slowed down.
    const throttle = await db.signInThrottle.findUniqueOrThrow({ where: { key: ipThrottleKey(ip).key } });
    expect(throttle.failures).toBe(2);
    for (let i = 2; i <= SIGN_IN_THROTTLE.ip.freeFailures; i += 1)
      await acceptInvitation(db, { token, name: "Attacker", password: "guess guess guess", ip }).catch(
        () => {},
      );
    await expect(
      acceptInvitation(db, { token, name: "Attacker", password: "guess guess guess", ip }),
    ).rejects.toMatchObject({ code: "rate_limited" });

    // Signed in as someone else: refused, whatever they are allowed elsewhere.
    await expect(acceptInvitation(db, { token, signedInUserId: stranger.user.id })).rejects.toMatchObject({
      code: "forbidden",
    });
    expect(await db.membership.count({ where: { userId: stranger.user.id } })).toBe(1);
    // Signed in as the invited email: joins, once.
    await acceptInvitation(db, { token, signedInUserId: elsewhere.user.id });
    expect(await db.membership.count({ where: { userId: elsewhere.user.id } })).toBe(2);
    await expect(acceptInvitation(db, { token, signedInUserId: elsewhere.user.id })).rejects.toMatchObject({
      code: "conflict",
    });
    const accepted = await db.auditLog.findFirstOrThrow({
      where: { merchantId: owner.merchantId, action: "team.invitation_accepted" },
    });
    expect(accepted).toMatchObject({ actorId: elsewhere.user.id, metadata: { newAccount: false } });
  });

  it("expired and withdrawn links are refused; inviting again replaces the link", async () => {
    const owner = await createMember(db, { role: "owner" });
    const elsewhere = await createMember(db, { role: "owner", merchantId: owner.merchantId });
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
