import { BlockList, isIP } from "node:net";
import type { CallbackKind } from "../../../prisma/generated/prisma/enums";
import type { DbClient } from "../../db-types";
import { isUuid } from "../../validation/id";
import { secretMatches } from "./callback-secret";
import { spoolCallback } from "./callback-spool";
import type { RecordCallback } from "./group-callback-writes";
import { recordCallback } from "./record-callback";
import type { RefusalReason } from "./record-refused-callback";

/** Safaricom's callback addresses as copied between projects (unofficial: docs/daraja.md §15). */
export const SAFARICOM_CALLBACK_IPS = [
  "196.201.214.200",
  "196.201.214.206",
  "196.201.213.114",
  "196.201.214.207",
  "196.201.214.208",
  "196.201.213.44",
  "196.201.212.127",
  "196.201.212.138",
  "196.201.212.129",
  "196.201.212.136",
  "196.201.212.74",
  "196.201.212.69",
  "196.201.212.128",
  "196.201.212.132",
];

export function buildAllowlist(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", bits] = cidr.trim().split("/");
    const family = isIP(address) === 6 ? "ipv6" : "ipv4";
    if (!isIP(address)) throw new Error(`not an IP or CIDR: ${cidr}`);
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

/** What Daraja expects back for each kind of callback (docs/daraja.md §7.3, §15). */
export function acknowledgement(kind: CallbackKind): Record<string, string | number> {
  if (kind === "c2b_validation") return { ResultCode: "0", ResultDesc: "Accepted" };
  if (kind === "c2b_confirmation") return { ResultCode: 0, ResultDesc: "Success" };
  return { ResultCode: 0, ResultDesc: "Accepted" };
}

type CallbackMerchant = { callbackSecret: string; environment: string };
const merchantCache = new Map<string, { merchant: CallbackMerchant | null; until: number }>();
/** How long a merchant's secret and environment are cached: a rotated secret takes effect within this. */
export const MERCHANT_CACHE_MS = 30_000;

/** One query per merchant per 30 s instead of one per callback (callbacks come in bursts). */
async function callbackMerchant(db: DbClient, merchantId: string): Promise<CallbackMerchant | null> {
  const hit = merchantCache.get(merchantId);
  if (hit && hit.until > Date.now()) return hit.merchant;
  const merchant = await db.merchant.findUnique({
    where: { id: merchantId },
    select: { callbackSecret: true, environment: true },
  });
  if (merchantCache.size > 10_000) merchantCache.clear();
  merchantCache.set(merchantId, { merchant, until: Date.now() + MERCHANT_CACHE_MS });
  return merchant;
}

/** Empties the cache (tests, and after a merchant's secret is rotated in this process). */
export function forgetCallbackMerchants(): void {
  merchantCache.clear();
}

export type ReceiveResult =
  | { accepted: true; inboxId: string | null; spooled: boolean; ack: Record<string, string | number> }
  | { accepted: false; reason: RefusalReason };

/** An inbound callback as it arrived, with what is needed to judge it. */
export interface CallbackRequest {
  merchantId: string;
  secret: string;
  body: string;
  sourceIp: string | null;
  headers: Record<string, string>;
  allowlist: BlockList;
  spoolDir: string;
  /** How the body is stored, when not one INSERT through `db`: the callback endpoint's group commit (group-callback-writes.ts). */
  record?: RecordCallback;
}

/**
 * The first thing that happens to a Daraja callback: check the per-merchant secret in the URL
 * (constant time) and, outside the simulator, the caller's IP; then store the body as received.
 * If the database fails, the body is spooled to disk and still acknowledged.
 */
export async function receiveCallback(
  db: DbClient,
  options: CallbackRequest & { kind: CallbackKind },
): Promise<ReceiveResult> {
  const entry = {
    merchantId: options.merchantId,
    kind: options.kind,
    body: options.body,
    sourceIp: options.sourceIp,
    headers: options.headers,
  };
  const spool = (checkSecret: boolean): ReceiveResult => {
    spoolCallback(options.spoolDir, {
      ...entry,
      receivedAt: new Date().toISOString(),
      ...(checkSecret ? { secret: options.secret } : {}),
    });
    return { accepted: true, inboxId: null, spooled: true, ack: acknowledgement(options.kind) };
  };
  if (!isUuid(options.merchantId)) return { accepted: false, reason: "unknown_merchant" };
  let merchant: CallbackMerchant | null;
  try {
    merchant = await callbackMerchant(db, options.merchantId);
  } catch {
    return spool(true); // database down: keep the body, check its secret when it is drained
  }
  if (!merchant) return { accepted: false, reason: "unknown_merchant" };
  if (!secretMatches(merchant.callbackSecret, options.secret))
    return { accepted: false, reason: "wrong_secret" };
  if (merchant.environment !== "simulator") {
    const ip = options.sourceIp;
    const family = ip && isIP(ip) === 6 ? "ipv6" : "ipv4";
    if (!ip || !options.allowlist.check(ip, family))
      return { accepted: false, reason: "address_not_allowed" };
  }
  try {
    const row = await (options.record ? options.record(entry) : recordCallback(db, entry));
    return { accepted: true, inboxId: row.id, spooled: false, ack: acknowledgement(options.kind) };
  } catch {
    return spool(false);
  }
}
