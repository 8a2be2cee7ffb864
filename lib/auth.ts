// next-auth glue: staff sign in with email and password; sessions are signed JWT cookies.
// The JWT only names the user and their session row (`sid`, a UserSession): the row decides
// whether a request is served, and merchant and role are re-read on every request
// (lib/session.ts), so signing out ends the cookie on the server, not only in this browser.

import { headers } from "next/headers";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getDb } from "./db";
import { getEnv } from "./env";
import { getLogger } from "./logger";
import { passwordCheckContext, rememberDevice } from "./password-checks";
import { clientIp } from "./security/client-ip";
import { createUserSession } from "./users/create-user-session";
import { recordSignOut } from "./users/record-sign-out";
import { isSessionId, SESSION_MAX_AGE_SECONDS } from "./users/session-rules";
import { signInWithPassword } from "./users/sign-in-with-password";

declare module "next-auth" {
  interface User {
    /** The UserSession created at this sign-in; it becomes the JWT's `sid`. */
    sessionId?: string;
  }
  interface Session {
    /** The JWT's `sid`: lib/session.ts checks it against user_sessions on every request. */
    sessionId?: string;
  }
}

/** Thrown by authorize() while the sign-in throttle says wait; the sign-in form shows the wait. */
export class RateLimitedSignIn extends CredentialsSignin {
  override code = "rate_limited";
  constructor(readonly retryAfterSeconds: number) {
    super();
  }
}

async function requestIp(): Promise<string | null> {
  try {
    return clientIp(await headers());
  } catch {
    return null;
  }
}

function config(): NextAuthConfig {
  const env = getEnv();
  return {
    secret: env.AUTH_SECRET,
    trustHost: true,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
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
          const ip = clientIp(request.headers);
          const result = await signInWithPassword(getDb(), {
            credentials,
            ip,
            ...(await passwordCheckContext()),
          });
          if (result.ok) {
            await rememberDevice(result.deviceToken);
            // Every way in (the sign-in form, accepting an invitation) passes here, so every
            // session cookie names a row that sign-out and "sign out everywhere" can end.
            const session = await createUserSession(getDb(), {
              userId: result.user.id,
              ip,
              userAgent: request.headers.get("user-agent"),
            });
            return { ...result.user, sessionId: session.id };
          }
          getLogger().info({ reason: result.reason, ip }, "sign-in refused");
          if (result.reason === "rate_limited") throw new RateLimitedSignIn(result.retryAfterSeconds);
          return null;
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        if (user?.id) token.sub = user.id;
        if (user?.sessionId) token.sid = user.sessionId;
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        if (isSessionId(token.sid)) session.sessionId = token.sid;
        return session;
      },
    },
    events: {
      async signOut(message) {
        const token = "token" in message ? message.token : null;
        const userId = token?.sub;
        if (!userId) return;
        await recordSignOut(getDb(), {
          userId,
          sessionId: token.sid,
          label: token.email || null,
          ip: await requestIp(),
        });
      },
    },
  };
}

// Requests read the cookie with lib/users/read-session-claims.ts, not next-auth's auth().
export const { handlers, signIn, signOut } = NextAuth(() => config());
