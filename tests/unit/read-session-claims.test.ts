// The session cookie as next-auth writes it at sign-in (its own encode, the cookie name as salt),
// read back the way every dashboard request reads it.
import { encode } from "next-auth/jwt";
import { describe, expect, it } from "vitest";
import { readSessionClaims } from "@/lib/users/read-session-claims";

const secret = "unit-test-auth-secret-0123456789abcdef0123";
const userId = "0b6f1c3e-0000-4000-8000-000000000001";
const sessionId = "0b6f1c3e-0000-4000-8000-000000000002";

async function cookie(
  name: string,
  claims: Record<string, unknown>,
  options: { maxAge?: number; key?: string } = {},
) {
  const value = await encode({
    token: claims,
    secret: options.key ?? secret,
    salt: name,
    maxAge: options.maxAge ?? 3600,
  });
  return `${name}=${value}`;
}

describe("readSessionClaims", () => {
  it("reads the user and session a sign-in cookie names, over http and over https", async () => {
    const claims = { sub: userId, sid: sessionId, email: "owner@duka.example" };
    const plain = await cookie("authjs.session-token", claims);
    expect(await readSessionClaims(`malipo_merchant=duka; ${plain}`, secret)).toEqual({ userId, sessionId });
    const secure = await cookie("__Secure-authjs.session-token", claims);
    expect(await readSessionClaims(secure, secret)).toEqual({ userId, sessionId });
  });

  it("refuses a cookie sealed with another secret, an expired one, a forged one and none", async () => {
    const claims = { sub: userId, sid: sessionId };
    expect(
      await readSessionClaims(await cookie("authjs.session-token", claims, { key: `${secret}x` }), secret),
    ).toBeNull();
    expect(
      await readSessionClaims(await cookie("authjs.session-token", claims, { maxAge: -60 }), secret),
    ).toBeNull();
    expect(await readSessionClaims("authjs.session-token=eyJhbGciOiJub25lIn0.e30.", secret)).toBeNull();
    expect(await readSessionClaims("malipo_merchant=duka", secret)).toBeNull();
    expect(await readSessionClaims(null, secret)).toBeNull();
  });

  it("names no session row when the token's sid is not a session id, and no user without a subject", async () => {
    expect(
      await readSessionClaims(await cookie("authjs.session-token", { sub: userId, sid: "x" }), secret),
    ).toEqual({
      userId,
      sessionId: null,
    });
    expect(
      await readSessionClaims(await cookie("authjs.session-token", { sid: sessionId }), secret),
    ).toBeNull();
  });

  it("reads a cookie next-auth split into chunks", async () => {
    const whole = await cookie("authjs.session-token", {
      sub: userId,
      sid: sessionId,
      pad: "p".repeat(5000),
    });
    const value = whole.slice("authjs.session-token=".length);
    const half = Math.ceil(value.length / 2);
    const chunked = `authjs.session-token.0=${value.slice(0, half)}; authjs.session-token.1=${value.slice(half)}`;
    expect(await readSessionClaims(chunked, secret)).toEqual({ userId, sessionId });
  });
});
