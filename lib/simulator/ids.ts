// Identifiers in the shapes Daraja uses (docs/daraja.md §1.1, §3.1, §9).
import { randomBytes, randomInt } from "node:crypto";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function nairobiParts(date: Date) {
  const d = new Date(date.getTime() + 3 * 3600_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return {
    yyyy: String(d.getUTCFullYear()),
    MM: p(d.getUTCMonth() + 1),
    dd: p(d.getUTCDate()),
    HH: p(d.getUTCHours()),
    mm: p(d.getUTCMinutes()),
    ss: p(d.getUTCSeconds()),
    ms: p(d.getUTCMilliseconds(), 3),
  };
}

export function merchantRequestId(): string {
  return `${randomBytes(2).toString("hex")}-${randomBytes(2).toString("hex")}-${randomBytes(2).toString("hex")}-${randomBytes(8).toString("hex")}${randomInt(1000, 9999)}`;
}

/** `ws_CO_` + ddMMyyyyHHmmss + milliseconds + the MSISDN without 254, plus a counter for uniqueness. */
export function checkoutRequestId(msisdn: string, now: Date): string {
  const t = nairobiParts(now);
  return `ws_CO_${t.dd}${t.MM}${t.yyyy}${t.HH}${t.mm}${t.ss}${t.ms}${msisdn.slice(3)}${randomInt(10, 99)}`;
}

/** M-Pesa receipts: 10 upper-case letters and digits, starting with two letters (`SG632NMUAB`). */
export function receipt(): string {
  let out = (ALNUM[randomInt(0, 26)] ?? "S") + (ALNUM[randomInt(0, 26)] ?? "G");
  for (let i = 0; i < 8; i += 1) out += ALNUM[randomInt(0, ALNUM.length)];
  return out;
}

/**
 * The made-up TransactionID of a Transaction Status Result: the receipt's leading letters, then
 * zeros (`MBN31H462N` → `MBN0000000`, docs/daraja.md §11).
 */
export function placeholderFor(receiptNo: string): string {
  const letters = /^[A-Z]{2,3}/.exec(receiptNo)?.[0] ?? "OAR";
  return letters.padEnd(10, "0");
}

export function conversationId(now: Date): string {
  const t = nairobiParts(now);
  return `AG_${t.yyyy}${t.MM}${t.dd}_${randomBytes(10).toString("hex")}`;
}

export function originatorConversationId(): string {
  return `${randomInt(1000, 99999)}-${randomInt(1000000, 99999999)}-${randomInt(1, 9)}`;
}

export function requestId(): string {
  return `${randomBytes(2).toString("hex")}-${randomBytes(2).toString("hex")}-${randomBytes(10).toString("hex")}`;
}

export function darajaTime(now: Date): string {
  const t = nairobiParts(now);
  return `${t.yyyy}${t.MM}${t.dd}${t.HH}${t.mm}${t.ss}`;
}
