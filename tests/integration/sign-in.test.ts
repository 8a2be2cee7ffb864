import { Pool } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createLimiter } from "@/lib/security/rate-limit";
import { type SignInLimiters, signInWithPassword } from "@/lib/users/sign-in-with-password";
import { createUser, TEST_PASSWORD } from "../factories";
import { testDatabaseUrl, testDb } from "./db";

describe("signInWithPassword", () => {
  const db = testDb();
  const pool = new Pool({ connectionString: testDatabaseUrl(), max: 2 });
  afterAll(() => pool.end());
  let n = 0;
  /** Fresh limiter names per test so counts never leak between tests. */
  const limiters = (points = 3): SignInLimiters => {
    n += 1;
    return {
      emailAndIp: createLimiter(pool, { name: `t${n}:ei`, points, durationSeconds: 900 }),
      email: createLimiter(pool, { name: `t${n}:e`, points: points * 4, durationSeconds: 3600 }),
      ip: createLimiter(pool, { name: `t${n}:i`, points: points * 10, durationSeconds: 900 }),
    };
  };

  it("signs in with the right password (email case-insensitive) and audits it", async () => {
    const user = await createUser(db, { email: "wanjiku@example.com" });
    const result = await signInWithPassword(db, {
      credentials: { email: "  Wanjiku@Example.com ", password: TEST_PASSWORD },
      ip: "10.1.1.1",
      limiters: limiters(),
    });
    expect(result).toEqual({ ok: true, user: { id: user.id, email: user.email, name: user.name } });
    const audit = await db.auditLog.findFirst({ where: { action: "auth.sign_in", actorId: user.id } });
    expect(audit?.ip).toBe("10.1.1.1");
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt).not.toBeNull();
  });

  it("refuses a wrong password and an unknown email the same way, auditing both", async () => {
    const user = await createUser(db);
    const l = limiters();
    const wrong = await signInWithPassword(db, {
      credentials: { email: user.email, password: "nope" },
      ip: "10.1.1.2",
      limiters: l,
    });
    const unknown = await signInWithPassword(db, {
      credentials: { email: "ghost@example.com", password: "nope" },
      ip: "10.1.1.2",
      limiters: l,
    });
    expect(wrong).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(unknown).toEqual({ ok: false, reason: "invalid_credentials" });
    const failures = await db.auditLog.findMany({ where: { action: "auth.sign_in_failed", ip: "10.1.1.2" } });
    expect(failures).toHaveLength(2);
    const stored = JSON.stringify(failures.map((f) => [f.actorLabel, f.metadata]));
    expect(stored).toContain("gh•••@example.com");
    expect(stored).not.toContain("ghost@example.com");
  });

  it("locks an email out after repeated failures, even with the right password, and audits it", async () => {
    const user = await createUser(db);
    const l = limiters(3);
    for (let i = 0; i < 3; i += 1) {
      await signInWithPassword(db, {
        credentials: { email: user.email, password: "bad" },
        ip: "10.1.1.3",
        limiters: l,
      });
    }
    const locked = await signInWithPassword(db, {
      credentials: { email: user.email, password: TEST_PASSWORD },
      ip: "10.1.1.3",
      limiters: l,
    });
    expect(locked).toMatchObject({ ok: false, reason: "rate_limited" });
    expect(
      locked.ok === false && locked.reason === "rate_limited" && locked.retryAfterSeconds,
    ).toBeGreaterThan(0);
    expect(await db.auditLog.count({ where: { action: "auth.sign_in_rate_limited" } })).toBeGreaterThan(0);
  });

  it("refuses disabled users and malformed input", async () => {
    const user = await createUser(db, { disabledAt: new Date() });
    const l = limiters();
    expect(
      await signInWithPassword(db, {
        credentials: { email: user.email, password: TEST_PASSWORD },
        ip: null,
        limiters: l,
      }),
    ).toEqual({ ok: false, reason: "disabled" });
    expect(
      await signInWithPassword(db, { credentials: { email: "not-an-email" }, ip: null, limiters: l }),
    ).toEqual({
      ok: false,
      reason: "invalid_input",
    });
  });
});
