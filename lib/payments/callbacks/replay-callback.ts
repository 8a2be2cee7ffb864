import { appendAuditLog, type UserActor } from "../../audit/append-audit-log";
import type { Keyring } from "../../crypto/keyring";
import type { DbClient } from "../../db-types";
import { AppError } from "../../errors";
import { type InboxOutcome, processInboxEntry } from "./process-inbox-entry";

/**
 * A person sends a dead or failed callback through processing again. Safe to repeat: processing
 * is idempotent (settlement ignores final payments, C2B is keyed on TransID).
 */
export async function replayCallback(
  db: DbClient,
  options: { merchantId: string; inboxId: string; keyring: Keyring; actor: UserActor },
): Promise<InboxOutcome> {
  const entry = await db.callbackInbox.findFirst({
    where: { id: options.inboxId, merchantId: options.merchantId },
  });
  if (!entry) throw new AppError("not_found", "No such callback.");
  if (entry.state !== "dead" && entry.state !== "failed") {
    throw new AppError(
      "conflict",
      `Only dead or failed callbacks can be replayed (this one is ${entry.state}).`,
    );
  }
  await db.callbackInbox.update({ where: { id: entry.id }, data: { state: "pending", lastError: null } });
  const outcome = await processInboxEntry(db, {
    keyring: options.keyring,
    inboxId: entry.id,
    now: () => entry.receivedAt,
  });
  await appendAuditLog(db, {
    merchantId: options.merchantId,
    actor: { type: "user", id: options.actor.id, label: options.actor.label, ip: options.actor.ip },
    action: "callback.replayed",
    target: { type: "callback", id: entry.id },
    metadata: { kind: entry.kind, outcome },
  });
  return outcome;
}
