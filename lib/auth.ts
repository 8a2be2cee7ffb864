// next-auth glue: staff sign in with email and password; sessions are signed JWT cookies.
// The JWT only names the user: merchant and role are re-read on every request (lib/session.ts).

import { headers } from "next/headers";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { Pool } from "pg";
import { appendAuditLog } from "./audit/append-audit-log";
import { getDb } from "./db";
import { getEnv } from "./env";
import { getLogger } from "./logger";
import { clientIp } from "./security/client-ip";
import { createLimiter } from "./security/rate-limit";
import { type SignInLimiters, signInWithPassword } from "./users/sign-in-with-password";

class RateLimitedSignIn extends CredentialsSignin {
  override code = "rate_limited";
}

const globalForLimiters = globalThis as unknown as { malipoSignInLimiters?: SignInLimiters };

function signInLimiters(): SignInLimiters {
  if (!globalForLimiters.malipoSignInLimiters) {
    const env = getEnv();
    const pool = new Pool({ connectionString: env.DATABASE_URL, max: 3 });
    const max = env.DISABLE_RATE_LIMITS ? 1_000_000 : env.LOGIN_MAX_FAILURES;
    globalForLimiters.malipoSignInLimiters = {
      emailAndIp: createLimiter(pool, { name: "signin:email-ip", points: max, durationSeconds: 15 * 60 }),
      email: createLimiter(pool, { name: "signin:email", points: max * 4, durationSeconds: 60 * 60 }),
      ip: createLimiter(pool, { name: "signin:ip", points: max * 10, durationSeconds: 15 * 60 }),
    };
  }
  return globalForLimiters.malipoSignInLimiters;
}

async function requestIp(): Promise<string | null> {
  try {
    return clientIp(await headers(), getEnv().TRUSTED_PROXY_HOPS);
  } catch {
    return null;
  }
}

function config(): NextAuthConfig {
  const env = getEnv();
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
    pages: { signIn: "/login" },
    // Into our JSON logs; a refused password is routine (already logged and audited), not an error.
    logger: {
      error(error) {
        if (error instanceof CredentialsSignin) return;
        getLogger().error({ err: error }, "auth error");
      },
      warn(code) {
        getLogger().warn({ code }, "auth warning");
      },
      debug() {},
    },
    providers: [
      Credentials({
        credentials: {
          email: { label: "Email", type: "email" },
          password: { label: "Password", type: "password" },
        },
        async authorize(credentials, request) {
          const ip = clientIp(request.headers, env.TRUSTED_PROXY_HOPS);
          const result = await signInWithPassword(getDb(), { credentials, ip, limiters: signInLimiters() });
          if (result.ok) return result.user;
          getLogger().info({ reason: result.reason, ip }, "sign-in refused");
          if (result.reason === "rate_limited") throw new RateLimitedSignIn();
          return null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
    events: {
      async signOut(message) {
        const userId = "token" in message ? message.token?.sub : undefined;
        if (!userId) return;
        await appendAuditLog(getDb(), {
          actor: { type: "user", id: userId, label: ("token" in message && message.token?.email) || null },
          action: "auth.sign_out",
          target: { type: "user", id: userId },
          ip: await requestIp(),
        });
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => config());
