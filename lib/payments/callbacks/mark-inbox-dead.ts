import type { DbClient } from "../../db-types";

/** After the last retry a callback waits for a person: dead entries are listed for replay. */
export async function markInboxDead(
  db: DbClient,
  options: { inboxId: string; error: string },
): Promise<void> {
  await db.callbackInbox.updateMany({
    where: { id: options.inboxId, state: { in: ["pending", "failed"] } },
    data: { state: "dead", lastError: options.error.slice(0, 500), processedAt: new Date() },
  });
}
