import { describe, expect, it } from "vitest";
import { verifyDeviceToken } from "@/lib/security/device-token";
import { SIGN_IN_THROTTLE, signInThrottleKeys } from "@/lib/security/sign-in-throttle";
import { signInWithPassword } from "@/lib/users/sign-in-with-password";
import { createUser, TEST_PASSWORD } from "../factories";
import { testDb } from "./db";

const SECRET = "test-auth-secret-test-auth-secret-0001";
const { emailAndIp, ip: perIp, email: perEmail, device: perDevice } = SIGN_IN_THROTTLE;

describe("signInWithPassword", () => {
  const db = testDb();
  /** One attempt, at a chosen moment, from an address, with or without a known-device cookie. */
  const attempt = (
    email: string,
    password: string,
    options: { ip: string | null; at?: Date; deviceToken?: string | null },
  ) =>
    signInWithPassword(db, {
      credentials: { email, password },
      ip: options.ip,
      device: { secret: SECRET, token: options.deviceToken ?? null },
      now: options.at,
    });
  const seconds = (start: Date, s: number) => new Date(start.getTime() + s * 1000);
  const failedChecks = (ip: string) => db.auditLog.count({ where: { action: "auth.sign_in_failed", ip } });

  it("signs in with the right password (email case-insensitive), audits it and issues a device token", async () => {
    const user = await createUser(db, { email: "wanjiku@example.com" });
    const result = await attempt("  Wanjiku@Example.com ", TEST_PASSWORD, { ip: "10.1.1.1" });
    expect(result).toMatchObject({ ok: true, user: { id: user.id, email: user.email, name: user.name } });
    expect(result.ok && verifyDeviceToken(SECRET, user.email, result.deviceToken)).toBeTruthy();
    expect(result.ok && verifyDeviceToken(SECRET, "someone@example.com", result.deviceToken)).toBeNull();
    const audit = await db.auditLog.findFirst({ where: { action: "auth.sign_in", actorId: user.id } });
    expect(audit?.ip).toBe("10.1.1.1");
    expect((await db.user.findUniqueOrThrow({ where: { id: user.id } })).lastSignInAt).not.toBeNull();
  });

  it("refuses a wrong password and an unknown email the same way, auditing both", async () => {
    const user = await createUser(db);
    const wrong = await attempt(user.email, "nope", { ip: "10.1.1.2" });
    const unknown = await attempt("ghost@example.com", "nope", { ip: "10.1.1.2" });
    expect(wrong).toEqual({ ok: false, reason: "invalid_credentials" });
    expect(unknown).toEqual({ ok: false, reason: "invalid_credentials" });
    const failures = await db.auditLog.findMany({ where: { action: "auth.sign_in_failed", ip: "10.1.1.2" } });
    expect(failures).toHaveLength(2);
    const stored = JSON.stringify(failures.map((f) => [f.actorLabel, f.metadata]));
    expect(stored).toContain("gh•••@example.com");
    expect(stored).not.toContain("ghost@example.com");
    // The throttle table holds hashes, never an email or an address.
    const keys = JSON.stringify(await db.signInThrottle.findMany());
    expect(keys).not.toContain("ghost");
    expect(keys).not.toContain("10.1.1.2");
  });

  it("per email+IP: free failures, then a doubling wait during which the password is not checked", async () => {
    const user = await createUser(db);
    const ip = "10.2.0.1";
    const t0 = new Date();
    for (let i = 0; i < emailAndIp.freeFailures; i += 1)
      expect(await attempt(user.email, "bad guess", { ip, at: t0 })).toMatchObject({
        reason: "invalid_credentials",
      });
    // The first failure past the free ones starts a 1 s wait…
    expect(await attempt(user.email, "bad guess", { ip, at: t0 })).toMatchObject({
      reason: "invalid_credentials",
    });
    const checked = await failedChecks(ip);
    // …during which even the right password is refused unchecked (and audited), counting nothing.
    const blocked = await attempt(user.email, TEST_PASSWORD, { ip, at: t0 });
    expect(blocked).toEqual({ ok: false, reason: "rate_limited", retryAfterSeconds: 1 });
    expect(await failedChecks(ip)).toBe(checked);
    const limited = await db.auditLog.findFirstOrThrow({
      where: { action: "auth.sign_in_rate_limited", ip },
    });
    expect(limited.metadata).toMatchObject({ retryAfterSeconds: 1 });
    // Each further failure doubles the wait: 2 s, then 4 s.
    expect(await attempt(user.email, "bad guess", { ip, at: seconds(t0, 1) })).toMatchObject({
      reason: "invalid_credentials",
    });
    expect(await attempt(user.email, "bad", { ip, at: seconds(t0, 2) })).toMatchObject({
      retryAfterSeconds: 1,
    });
    expect(await attempt(user.email, "bad guess", { ip, at: seconds(t0, 3) })).toMatchObject({
      reason: "invalid_credentials",
    });
    expect(await attempt(user.email, "bad", { ip, at: seconds(t0, 3) })).toMatchObject({
      retryAfterSeconds: 4,
    });
    // Another address is not slowed by this one, and the right password after the wait clears it.
    expect(await attempt(user.email, TEST_PASSWORD, { ip: "10.2.0.2", at: seconds(t0, 3) })).toMatchObject({
      ok: true,
    });
    expect(await attempt(user.email, TEST_PASSWORD, { ip, at: seconds(t0, 7) })).toMatchObject({ ok: true });
    const [key] = signInThrottleKeys({ email: user.email, ip });
    expect(await db.signInThrottle.findUnique({ where: { key: key?.key } })).toBeNull();
  });

  it("the wait grows to the 15-minute cap, and a day without failures forgets it", async () => {
    const user = await createUser(db);
    const ip = "10.2.1.1";
    const [key] = signInThrottleKeys({ email: user.email, ip });
    const row = () => db.signInThrottle.findUniqueOrThrow({ where: { key: key?.key } });
    let at = new Date();
    const waits: number[] = [];
    for (let i = 0; i < emailAndIp.freeFailures + 14; i += 1) {
      expect(await attempt(user.email, "bad guess", { ip, at })).toMatchObject({
        reason: "invalid_credentials",
      });
      const wait = ((await row()).blockedUntil.getTime() - at.getTime()) / 1000;
      waits.push(wait);
      at = seconds(at, wait);
    }
    expect(waits.slice(emailAndIp.freeFailures - 1, emailAndIp.freeFailures + 4)).toEqual([0, 1, 2, 4, 8]);
    expect(waits.at(-1)).toBe(15 * 60);
    expect(Math.max(...waits)).toBe(15 * 60);
    const nextDay = seconds(at, 24 * 60 * 60 + 1);
    expect(await attempt(user.email, "bad guess", { ip, at: nextDay })).toMatchObject({
      reason: "invalid_credentials",
    });
    expect((await row()).failures).toBe(1);
  });

  it("per IP: one address spraying many emails is slowed for every email", async () => {
    const ip = "10.3.0.1";
    const t0 = new Date();
    for (let i = 0; i < perIp.freeFailures; i += 1)
      await attempt(`sprayed-${i}@example.com`, "Password1!", { ip, at: t0 });
    await attempt("one-more@example.com", "Password1!", { ip, at: t0 });
    const user = await createUser(db);
    expect(await attempt(user.email, TEST_PASSWORD, { ip, at: t0 })).toEqual({
      ok: false,
      reason: "rate_limited",
      retryAfterSeconds: 1,
    });
    expect(await attempt(user.email, TEST_PASSWORD, { ip: "10.3.0.2", at: t0 })).toMatchObject({ ok: true });
  });

  it("rotating addresses slow unknown devices for that email, never the real user's known device", async () => {
    const user = await createUser(db);
    const t0 = new Date();
    const first = await attempt(user.email, TEST_PASSWORD, { ip: "10.4.0.1", at: t0 });
    const deviceToken = first.ok ? first.deviceToken : null;
    expect(deviceToken).toBeTruthy();
    // A distributed guesser: every attempt from a new address, far past the per-email free ones.
    for (let i = 0; i <= perEmail.freeFailures + 5; i += 1)
      await attempt(user.email, `guess number ${i}`, { ip: `172.16.${i >> 8}.${i & 255}`, at: t0 });
    expect(await attempt(user.email, TEST_PASSWORD, { ip: "10.4.9.9", at: t0 })).toMatchObject({
      reason: "rate_limited",
    });
    // The real user's browser is not slowed at all, from any address.
    expect(await attempt(user.email, TEST_PASSWORD, { ip: "10.4.0.1", at: t0, deviceToken })).toMatchObject({
      ok: true,
    });
    expect(await attempt(user.email, TEST_PASSWORD, { ip: "10.4.7.7", at: t0, deviceToken })).toMatchObject({
      ok: true,
    });
    // A device cookie made for another email, or tampered with, is just an unknown device.
    const other = await createUser(db);
    const otherSignIn = await attempt(other.email, TEST_PASSWORD, { ip: "10.4.0.3", at: t0 });
    const otherToken = otherSignIn.ok ? otherSignIn.deviceToken : null;
    for (const token of [otherToken, `${deviceToken?.slice(0, -2)}xx`])
      expect(
        await attempt(user.email, TEST_PASSWORD, { ip: "10.4.0.1", at: t0, deviceToken: token }),
      ).toMatchObject({ reason: "rate_limited" });
    // The known device has a throttle of its own against whoever holds it.
    for (let i = 0; i < perDevice.freeFailures + 1; i += 1)
      await attempt(user.email, "wrong", { ip: "10.4.0.1", at: t0, deviceToken });
    expect(await attempt(user.email, TEST_PASSWORD, { ip: "10.4.0.1", at: t0, deviceToken })).toMatchObject({
      reason: "rate_limited",
    });
  });

  it("a burst of parallel guesses cannot slip past the free attempts", async () => {
    const user = await createUser(db);
    const ip = "10.5.0.1";
    const t0 = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt(user.email, `parallel ${i}`, { ip, at: t0 })),
    );
    expect(results.filter((r) => !r.ok && r.reason === "invalid_credentials")).toHaveLength(
      emailAndIp.freeFailures + 1,
    );
    expect(await failedChecks(ip)).toBe(emailAndIp.freeFailures + 1);
  });

  it("refuses disabled users and malformed input", async () => {
    const user = await createUser(db, { disabledAt: new Date() });
    expect(await attempt(user.email, TEST_PASSWORD, { ip: null })).toEqual({ ok: false, reason: "disabled" });
    expect(
      await signInWithPassword(db, {
        credentials: { email: "not-an-email" },
        ip: null,
        device: { secret: SECRET },
      }),
    ).toEqual({ ok: false, reason: "invalid_input" });
  });
});
