// When the database cannot take a callback, its raw body goes to an append-only local file
// (one JSON line each, fsynced) and is moved into the inbox once the database is back: Daraja
// never retries, so a body that is not stored somewhere is money nobody will ever see. A line
// that keeps failing while the database answers is set aside (set-aside.jsonl) for a person,
// never retried forever; the Callbacks page and /api/health show how many there are.
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
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { CallbackKind } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import type { CoreLog } from "../deps";
import { secretMatches } from "./callback-secret";
import { inboxRowFor } from "./record-callback";
import { recordRefusedCallback } from "./record-refused-callback";

export interface SpooledCallback {
  merchantId: string | null;
  kind: CallbackKind;
  body: string;
  sourceIp: string | null;
  headers: Record<string, string>;
  receivedAt: string;
  /** Set when the URL secret could not be checked on arrival (database down): checked on drain. */
  secret?: string;
  /** Drains that failed on this line while the database answered. */
  drainAttempts?: number;
}

/** A line set aside: the callback (or the unreadable line itself) and why. */
interface SetAsideLine {
  setAsideAt: string;
  error: string;
  entry: SpooledCallback | string;
}

const ACTIVE = "callbacks.jsonl";
const SET_ASIDE = "set-aside.jsonl";
/** Failed drains (with the database answering) after which a spooled callback is set aside. */
export const SPOOL_MAX_DRAIN_ATTEMPTS = 5;

function appendLine(spoolDir: string, file: string, line: string): void {
  mkdirSync(spoolDir, { recursive: true });
  const fd = openSync(join(spoolDir, file), "a", 0o600);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function spoolCallback(spoolDir: string, entry: SpooledCallback): void {
  appendLine(spoolDir, ACTIVE, JSON.stringify(entry));
}

async function databaseAnswers(db: DbClient): Promise<boolean> {
  try {
    await db.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/** Stores one spooled callback in the inbox, or drops it (recorded as refused) if its secret is wrong. */
async function moveToInbox(
  db: DbClient,
  spooled: SpooledCallback,
  log: CoreLog | undefined,
): Promise<boolean> {
  const { secret, drainAttempts: _, ...entry } = spooled;
  if (secret !== undefined) {
    const merchant = entry.merchantId
      ? await db.merchant.findUnique({ where: { id: entry.merchantId }, select: { callbackSecret: true } })
      : null;
    if (!merchant || !secretMatches(merchant.callbackSecret, secret)) {
      await recordRefusedCallback(
        db,
        {
          merchantId: entry.merchantId ?? "",
          path: entry.kind.replace("_", "-"),
          sourceIp: entry.sourceIp,
          size: Buffer.byteLength(entry.body),
          reason: merchant ? "wrong_secret" : "unknown_merchant",
          receivedAt: new Date(entry.receivedAt),
        },
        { log },
      ).catch((error: unknown) => log?.error({ err: error }, "could not record a refused callback"));
      return false; // forged: dropped
    }
  }
  // One statement with its arrival time: a failure leaves no row behind to be stored again.
  await db.callbackInbox.create({ data: { ...inboxRowFor(entry), receivedAt: new Date(entry.receivedAt) } });
  return true;
}

/**
 * Moves spooled callbacks into the inbox. A line that fails while the database answers counts an
 * attempt and is set aside after SPOOL_MAX_DRAIN_ATTEMPTS (logged at error); while the database
 * is down nothing is counted, so an outage never sets good callbacks aside.
 */
export async function drainCallbackSpool(
  db: DbClient,
  spoolDir: string,
  options: { log?: CoreLog } = {},
): Promise<{ moved: number; setAside: number }> {
  const result = { moved: 0, setAside: 0 };
  if (!existsSync(spoolDir) || !(await databaseAnswers(db))) return result;
  if (existsSync(join(spoolDir, ACTIVE)))
    renameSync(join(spoolDir, ACTIVE), join(spoolDir, `draining-${randomUUID()}.jsonl`));
  const setAside = (entry: SpooledCallback | string, error: unknown, attempts: number) => {
    const line: SetAsideLine = {
      setAsideAt: new Date().toISOString(),
      error: String((error as Error)?.message ?? error).slice(0, 300),
      entry,
    };
    appendLine(spoolDir, SET_ASIDE, JSON.stringify(line));
    result.setAside += 1;
    const about = typeof entry === "string" ? {} : { merchantId: entry.merchantId, kind: entry.kind };
    options.log?.error(
      { ...about, file: join(spoolDir, SET_ASIDE), attempts },
      "a spooled callback kept failing and was set aside for a person",
    );
  };
  for (const file of readdirSync(spoolDir).filter((f) => f.startsWith("draining-"))) {
    const path = join(spoolDir, file);
    const kept: SpooledCallback[] = [];
    let databaseDown = false;
    for (const line of readFileSync(path, "utf8").split("\n").filter(Boolean)) {
      let entry: SpooledCallback;
      try {
        entry = JSON.parse(line) as SpooledCallback;
      } catch (error) {
        setAside(line, error, 0); // a torn write: retrying cannot mend it
        continue;
      }
      if (databaseDown) {
        kept.push(entry);
        continue;
      }
      try {
        if (await moveToInbox(db, entry, options.log)) result.moved += 1;
      } catch (error) {
        if (!(await databaseAnswers(db))) {
          databaseDown = true; // not this line's fault: leave it, and the rest, as they are
          kept.push(entry);
          continue;
        }
        const attempts = (entry.drainAttempts ?? 0) + 1;
        if (attempts >= SPOOL_MAX_DRAIN_ATTEMPTS)
          setAside({ ...entry, drainAttempts: attempts }, error, attempts);
        else kept.push({ ...entry, drainAttempts: attempts });
      }
    }
    // Written back before the file goes: a crash in between repeats lines rather than losing them.
    for (const entry of kept) spoolCallback(spoolDir, entry);
    unlinkSync(path);
  }
  return result;
}

/**
 * True while this spool holds callbacks not moved to the inbox yet (waiting or being drained): no
 * payment may be decided from a query meanwhile, the callback it waits for may be among them.
 */
export function spoolHoldsCallbacks(spoolDir: string): boolean {
  if (!existsSync(spoolDir)) return false;
  return readdirSync(spoolDir).some((f) => {
    if (f !== ACTIVE && !f.startsWith("draining-")) return false;
    try {
      return statSync(join(spoolDir, f)).size > 0;
    } catch {
      return false; // drained and removed meanwhile
    }
  });
}

/** How many callbacks are set aside in this spool (of one merchant, when given); bodies stay on disk. */
export function countSetAsideCallbacks(spoolDir: string, options: { merchantId?: string } = {}): number {
  const path = join(spoolDir, SET_ASIDE);
  if (!existsSync(path)) return 0;
  let count = 0;
  for (const line of readFileSync(path, "utf8").split("\n").filter(Boolean)) {
    if (options.merchantId === undefined) {
      count += 1;
      continue;
    }
    try {
      const { entry } = JSON.parse(line) as SetAsideLine;
      if (typeof entry !== "string" && entry.merchantId === options.merchantId) count += 1;
    } catch {
      // an unreadable set-aside line belongs to no merchant; it is in the total
    }
  }
  return count;
}
