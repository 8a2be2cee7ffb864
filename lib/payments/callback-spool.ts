// When the database cannot take a callback, its raw body goes to an append-only local file
// (one JSON line each, fsynced) and is moved into the inbox once the database is back: Daraja
// never retries, so a body that is not stored somewhere is money nobody will ever see.
import { randomUUID } from "node:crypto";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { CallbackKind } from "../../prisma/generated/prisma/enums";
import type { DbClient } from "../db-types";
import { secretMatches } from "./callback-secret";
import { recordCallback } from "./record-callback";

export interface SpooledCallback {
  merchantId: string | null;
  kind: CallbackKind;
  body: string;
  sourceIp: string | null;
  headers: Record<string, string>;
  receivedAt: string;
  /** Set when the URL secret could not be checked on arrival (database down): checked on drain. */
  secret?: string;
}

const ACTIVE = "callbacks.jsonl";

export function spoolCallback(spoolDir: string, entry: SpooledCallback): void {
  mkdirSync(spoolDir, { recursive: true });
  const fd = openSync(join(spoolDir, ACTIVE), "a", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Moves spooled callbacks into the inbox; returns how many. Lines that fail stay spooled. */
export async function drainCallbackSpool(db: DbClient, spoolDir: string): Promise<number> {
  if (!existsSync(spoolDir)) return 0;
  if (existsSync(join(spoolDir, ACTIVE)))
    renameSync(join(spoolDir, ACTIVE), join(spoolDir, `draining-${randomUUID()}.jsonl`));
  let moved = 0;
  for (const file of readdirSync(spoolDir).filter((f) => f.startsWith("draining-"))) {
    const path = join(spoolDir, file);
    const lines = readFileSync(path, "utf8").split("\n").filter(Boolean);
    const failed: string[] = [];
    for (const line of lines) {
      try {
        const { secret, ...entry } = JSON.parse(line) as SpooledCallback;
        if (secret !== undefined) {
          const merchant = entry.merchantId
            ? await db.merchant.findUnique({
                where: { id: entry.merchantId },
                select: { callbackSecret: true },
              })
            : null;
          if (!merchant || !secretMatches(merchant.callbackSecret, secret)) continue; // forged: dropped
        }
        const row = await recordCallback(db, entry);
        await db.callbackInbox.update({
          where: { id: row.id },
          data: { receivedAt: new Date(entry.receivedAt) },
        });
        moved += 1;
      } catch {
        failed.push(line);
      }
    }
    unlinkSync(path);
    for (const line of failed) {
      const entry = JSON.parse(line) as SpooledCallback;
      spoolCallback(spoolDir, entry);
    }
  }
  return moved;
}
