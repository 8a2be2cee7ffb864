import { describe, expect, it } from "vitest";
import { verifyPassword } from "@/lib/security/password";
import { SIGN_IN_THROTTLE } from "@/lib/security/sign-in-throttle";
import { changePassword } from "@/lib/users/change-password";
import { signInWithPassword } from "@/lib/users/sign-in-with-password";
import { createUser, TEST_PASSWORD } from "../factories";
import { testDb } from "./db";

const SECRET = "test-auth-secret-test-auth-secret-0002";
const NEW_PASSWORD = "mango tractor lagoon 42";

describe("changePassword", () => {
  const db = testDb();
  const sessionsOf = async (userId: string) => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const [current, ...others] = await Promise.all(
      [1, 2, 3].map(() => db.userSession.create({ data: { userId, expiresAt } })),
    );
    return { current: current?.id ?? "", others: others.map((s) => s.id) };
  };
  const change = (
    userId: string,
    sessionId: string,
    currentPassword: string,
    newPassword: string,
    ip: string,
  ) =>
    changePassword(db, { userId, sessionId, currentPassword, newPassword, ip, device: { secret: SECRET } });

  it("checks the current password, refuses a weak new one, then ends every other session", async () => {
    const user = await createUser(db, { name: "Achieng Odhiambo" });
    const sessions = await sessionsOf(user.id);
    const ip = "10.7.0.1";

    await expect(
      change(user.id, sessions.current, "not my password", NEW_PASSWORD, ip),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: { field: "currentPassword" },
    });
    const failed = await db.auditLog.findFirstOrThrow({ where: { action: "auth.password_check_failed" } });
    expect(failed).toMatchObject({ actorId: user.id, ip, metadata: { purpose: "password_change" } });

    for (const weak of ["aaaaaaaaaa", "achieng2024", TEST_PASSWORD])
      await expect(change(user.id, sessions.current, TEST_PASSWORD, weak, ip)).rejects.toMatchObject({
        code: "validation_failed",
        details: { field: "newPassword" },
      });
    expect(await db.userSession.count({ where: { userId: user.id, revokedAt: { not: null } } })).toBe(0);

    expect(await change(user.id, sessions.current, TEST_PASSWORD, NEW_PASSWORD, ip)).toEqual({
      sessionsEnded: 2,
    });
    const stored = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(stored.passwordHash, NEW_PASSWORD)).toBe(true);
    const after = await db.userSession.findMany({ where: { userId: user.id } });
    expect(after.find((s) => s.id === sessions.current)?.revokedAt).toBeNull();
    expect(
      after.filter((s) => sessions.others.includes(s.id)).map((s) => [s.revokedReason, Boolean(s.revokedAt)]),
    ).toEqual([
      ["password_changed", true],
      ["password_changed", true],
    ]);
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: "auth.password_changed" } });
    expect(audit).toMatchObject({ actorId: user.id, targetId: user.id, ip, metadata: { sessionsEnded: 2 } });
    expect(JSON.stringify(audit.metadata)).not.toContain(NEW_PASSWORD);
  });

  it("shares the sign-in throttle: guessing the current password is slowed, and then not even checked", async () => {
    const user = await createUser(db);
    const sessions = await sessionsOf(user.id);
    const ip = "10.7.0.2";
    for (let i = 0; i <= SIGN_IN_THROTTLE.emailAndIp.freeFailures; i += 1)
      await expect(change(user.id, sessions.current, `guess ${i}`, NEW_PASSWORD, ip)).rejects.toMatchObject({
        code: "validation_failed",
      });
    const checked = await db.auditLog.count({ where: { action: "auth.password_check_failed", ip } });
    await expect(change(user.id, sessions.current, TEST_PASSWORD, NEW_PASSWORD, ip)).rejects.toMatchObject({
      code: "rate_limited",
      publicMessage: expect.stringMatching(/^Too many attempts, try again in \d+ s\.$/),
    });
    expect(await db.auditLog.count({ where: { action: "auth.password_check_failed", ip } })).toBe(checked);
    expect(await db.auditLog.count({ where: { action: "auth.password_check_rate_limited", ip } })).toBe(1);
    // The same keys as signing in: the address is slowed for sign-in too.
    expect(
      await signInWithPassword(db, {
        credentials: { email: user.email, password: TEST_PASSWORD },
        ip,
        device: { secret: SECRET },
      }),
    ).toMatchObject({ reason: "rate_limited" });
    const unchanged = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await verifyPassword(unchanged.passwordHash, TEST_PASSWORD)).toBe(true);
  });
});
