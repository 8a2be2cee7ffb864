import type { DbClient } from "../db-types";
import { SESSION_MAX_AGE_SECONDS, USER_AGENT_MAX_LENGTH } from "./session-rules";

/**
 * Records a sign-in as a session row whose id goes into the session cookie (lib/auth.ts); the
 * row, not the cookie, decides whether later requests are served. The user agent is kept short
 * and without control characters: it is client-written and only shown back to its owner.
 */
export async function createUserSession(
  db: DbClient,
  options: { userId: string; ip: string | null; userAgent: string | null; now?: Date },
) {
  const now = options.now ?? new Date();
  const userAgent =
    options.userAgent
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
      ?.replace(/[\u0000-\u001f\u007f]/g, "")
      .trim()
      .slice(0, USER_AGENT_MAX_LENGTH) || null;
  return db.userSession.create({
    data: {
      userId: options.userId,
      ip: options.ip,
      userAgent,
      createdAt: now,
      expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000),
    },
    select: { id: true, expiresAt: true },
  });
}
