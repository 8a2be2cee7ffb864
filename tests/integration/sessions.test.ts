// Sessions end on the server: a session cookie names a UserSession row and every request checks
// it, so sign-out, "sign out everywhere", a role change and removal stop a saved cookie at once.
// Pages, actions and routes are called as Next calls them (tests/support/next-request.ts), against
// the real database.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/errors";
import { removeMember } from "@/lib/team/remove-member";
import { updateMemberRole } from "@/lib/team/update-member-role";
import { resolveTenant } from "@/lib/tenancy/resolve-tenant";
import { createUserSession } from "@/lib/users/create-user-session";
import { revokeUserSessions } from "@/lib/users/revoke-user-sessions";
import { SESSION_MAX_AGE_SECONDS } from "@/lib/users/session-rules";
import { createMember } from "../factories";
import {
  callAction,
  redirectDigest,
  renderPage,
  sessionId,
  signIn,
  stubAppEnv,
} from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));
// The sign-in page's action imports next-auth's error classes; next-auth itself cannot load here.
vi.mock("next-auth", () => ({
  AuthError: class extends Error {},
  CredentialsSignin: class extends Error {},
}));

stubAppEnv(testDatabaseUrl());

describe("sessions", () => {
  const db = testDb();
  type Member = Awaited<ReturnType<typeof createMember>>;
  let owner: Member;

  beforeAll(async () => {
    owner = await createMember(db, { role: "owner" });
  });

  afterAll(async () => {
    await (await import("@/lib/db")).getDb().$disconnect();
  });

  const newSession = async (user: { id: string }, now?: Date) =>
    (await createUserSession(db, { userId: user.id, ip: "203.0.113.9", userAgent: "test", now })).id;
  const resolve = (user: { id: string }, sid: string | null) =>
    resolveTenant(db, { userId: user.id, sessionId: sid, permission: "dashboard:view" });
  const sessionRow = (id: string) => db.userSession.findUniqueOrThrow({ where: { id } });

  /** GET /api/dashboard/payments as the current fake request; its status. */
  async function paymentsStatus(): Promise<number> {
    const route = await import("@/app/api/dashboard/payments/route");
    return (await route.GET(new Request("http://localhost/api/dashboard/payments"))).status;
  }
  /** The Overview page as the current fake request: rendered, or the redirect's digest. */
  async function overview(): Promise<string> {
    const Page = (await import("@/app/(dashboard)/page")).default;
    const outcome = await callAction(() =>
      renderPage(Page, { params: Promise.resolve({}), searchParams: Promise.resolve({}) }),
    );
    return outcome.ok ? "rendered" : (outcome.digest ?? String(outcome.error));
  }

  describe("resolveTenant (every page, action and dashboard API)", () => {
    it("serves an active session and names it on the tenant", async () => {
      const sid = await newSession(owner.user);
      expect(await resolve(owner.user, sid)).toMatchObject({ sessionId: sid, user: { id: owner.user.id } });
    });

    it("refuses a revoked session", async () => {
      const sid = await newSession(owner.user);
      await revokeUserSessions(db, { userId: owner.user.id, sessionId: sid, reason: "sign_out" });
      await expect(resolve(owner.user, sid)).rejects.toMatchObject({ code: "unauthenticated" });
    });

    it("refuses an expired session, even if the cookie were still alive", async () => {
      const signedInAt = new Date(Date.now() - SESSION_MAX_AGE_SECONDS * 1000 - 1000);
      const sid = await newSession(owner.user, signedInAt);
      await expect(resolve(owner.user, sid)).rejects.toMatchObject({ code: "unauthenticated" });
    });

    it("refuses a cookie without a session (issued before sessions), a malformed one and someone else's", async () => {
      await expect(resolve(owner.user, null)).rejects.toMatchObject({ code: "unauthenticated" });
      await expect(resolve(owner.user, "not-a-uuid")).rejects.toBeInstanceOf(AppError);
      const other = await createMember(db, { role: "owner" });
      await expect(resolve(owner.user, await newSession(other.user))).rejects.toMatchObject({
        code: "unauthenticated",
      });
    });
  });

  describe("through the entry points", () => {
    it("a cookie with no session id gets 401 from the dashboard API and the sign-in page from pages", async () => {
      signIn(owner.user, null, { sessionId: null });
      expect(await paymentsStatus()).toBe(401);
      expect(await overview()).toBe(redirectDigest("/login?expired=1"));
    });

    it("sign-out ends that session only: a saved copy of the cookie stops working, other devices keep theirs", async () => {
      const laptop = await newSession(owner.user);
      signIn(owner.user);
      const phone = await sessionId();
      expect(phone).not.toBeNull();
      expect(await paymentsStatus()).toBe(200);
      expect(await overview()).toBe("rendered");

      const { signOutAction } = await import("@/app/(auth)/logout/actions");
      const out = await callAction(() => signOutAction());
      expect(out.ok).toBe(false); // it redirects
      expect(await sessionRow(phone as string)).toMatchObject({ revokedReason: "sign_out" });
      expect((await sessionRow(laptop)).revokedAt).toBeNull();

      // The cookie saved before signing out, replayed.
      signIn(owner.user, null, { sessionId: phone });
      expect(await paymentsStatus()).toBe(401);
      expect(await overview()).toBe(redirectDigest("/login?expired=1"));

      signIn(owner.user, null, { sessionId: laptop });
      expect(await paymentsStatus()).toBe(200);

      const audit = await db.auditLog.findFirst({
        where: { action: "auth.sign_out", actorId: owner.user.id },
      });
      expect(audit).not.toBeNull();
    });

    it("the sign-in and sign-out pages treat an ended session as signed out (no redirect loop)", async () => {
      const sid = await newSession(owner.user);
      await revokeUserSessions(db, { userId: owner.user.id, sessionId: sid, reason: "sign_out" });
      signIn(owner.user, null, { sessionId: sid });
      const Login = (await import("@/app/(auth)/login/page")).default;
      const login = await callAction(() =>
        renderPage(Login, { searchParams: Promise.resolve({ expired: "1" }) }),
      );
      expect(login.ok).toBe(true);
      expect(JSON.stringify(login.ok && login.value)).toContain("Your session has ended");
      const Logout = (await import("@/app/(auth)/logout/page")).default;
      expect(await renderPage(Logout, {})).toContain("You are signed out");

      signIn(owner.user); // a live session is still sent on from the sign-in page
      const live = await callAction(() => renderPage(Login, { searchParams: Promise.resolve({}) }));
      expect(live.ok ? "rendered" : live.digest).toBe(redirectDigest("/"));
    });
  });

  describe("the Account page", () => {
    it("lists the user's active sessions and marks this device", async () => {
      const user = await createMember(db, { role: "viewer" });
      await createUserSession(db, {
        userId: user.user.id,
        ip: "198.51.100.7",
        userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/142.0 Safari/537.36",
      });
      const ended = await newSession(user.user);
      await revokeUserSessions(db, { userId: user.user.id, sessionId: ended, reason: "sign_out" });
      signIn(user.user);
      const page = await renderPage((await import("@/app/(dashboard)/account/page")).default, {});
      expect(page).toContain("Chrome on Windows");
      expect(page).toContain("198.51.100.7");
      expect(page).toContain("This device");
      expect(page).not.toContain("203.0.113.9"); // the ended session is not listed
    });

    it("signs out the other sessions, then everywhere (this one too), and audits both", async () => {
      const user = await createMember(db, { role: "viewer" });
      const others = [await newSession(user.user), await newSession(user.user)];
      const bystander = await newSession(owner.user);
      signIn(user.user);
      const current = (await sessionId()) as string;
      const actions = await import("@/app/(dashboard)/account/actions");

      expect(await actions.signOutOtherSessionsAction()).toEqual({
        error: null,
        message: "2 other sessions ended.",
      });
      for (const id of others)
        expect(await sessionRow(id)).toMatchObject({ revokedReason: "sign_out_others" });
      expect((await sessionRow(current)).revokedAt).toBeNull();
      expect(await paymentsStatus()).toBe(200);

      const everywhere = await callAction(() => actions.signOutEverywhereAction());
      expect(everywhere).toMatchObject({ ok: false, digest: redirectDigest("/login") });
      expect(await sessionRow(current)).toMatchObject({ revokedReason: "sign_out_everywhere" });
      expect((await sessionRow(bystander)).revokedAt).toBeNull(); // another user's session
      signIn(user.user, null, { sessionId: current });
      expect(await paymentsStatus()).toBe(401);

      const audit = await db.auditLog.findMany({
        where: { action: "auth.sessions_revoked", actorId: user.user.id },
        orderBy: { seq: "asc" },
      });
      expect(audit.map((row) => row.metadata)).toEqual([
        { count: 2, scope: "others" },
        { count: 1, scope: "everywhere" },
      ]);
    });
  });

  describe("team changes end the member's sessions", () => {
    it("a role change and a removal revoke every session of that member, not the actor's", async () => {
      const member = await createMember(db, { role: "admin", merchantId: owner.merchantId });
      const actorSession = await newSession(owner.user);
      const before = [await newSession(member.user), await newSession(member.user)];
      const actor = { id: owner.user.id, label: owner.user.email, role: "owner" as const };

      await updateMemberRole(db, {
        merchantId: owner.merchantId,
        membershipId: member.membership.id,
        role: "viewer",
        actor,
      });
      for (const id of before) {
        expect(await sessionRow(id)).toMatchObject({ revokedReason: "role_changed" });
        await expect(resolve(member.user, id)).rejects.toMatchObject({ code: "unauthenticated" });
      }
      expect((await sessionRow(actorSession)).revokedAt).toBeNull();

      const after = await newSession(member.user); // they signed in again with the new role
      expect(await resolve(member.user, after)).toMatchObject({ role: "viewer" });
      await removeMember(db, { merchantId: owner.merchantId, membershipId: member.membership.id, actor });
      expect(await sessionRow(after)).toMatchObject({ revokedReason: "removed" });
      await expect(resolve(member.user, after)).rejects.toMatchObject({ code: "unauthenticated" });
      expect((await sessionRow(actorSession)).revokedAt).toBeNull();
    });
  });
});
