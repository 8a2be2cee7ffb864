import type { DbClient } from "../db-types";
import { activeSessionWhere } from "./session-rules";

/** The user's active sessions, newest first, for the Account page. */
export function findUserSessions(db: DbClient, options: { userId: string; now?: Date }) {
  return db.userSession.findMany({
    where: { userId: options.userId, ...activeSessionWhere(options.now ?? new Date()) },
    orderBy: { createdAt: "desc" },
    select: { id: true, ip: true, userAgent: true, createdAt: true, expiresAt: true },
    take: 100,
  });
}
