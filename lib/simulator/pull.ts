// Pull Transactions over the simulator's own ledger: a shortcode registers once, then asks for the
// customer payments (C2B and STK) it received in a time window, a page at a time by row offset.
import type { SimContext } from "./context";
import type { SimState, Transaction } from "./state";
import { invalid, kes, MSISDN, WireError } from "./wire";

/** Rows per page (Daraja does not document its page size; clients page until a page is empty). */
export const PULL_PAGE_SIZE = 100;
/** How far back Daraja keeps transactions for pulling. */
const RETENTION_MS = 48 * 3_600_000;

/**
 * Registered shortcodes, kept beside the simulator's state rather than in it, keyed by its map of
 * organisations so that /sim/reset (which replaces that map) forgets them too.
 */
const registrations = new WeakMap<
  SimState["orgs"],
  Map<string, { callbackUrl: string; nominatedNumber: string }>
>();

function registered(ctx: SimContext) {
  let map = registrations.get(ctx.state.orgs);
  if (!map) {
    map = new Map();
    registrations.set(ctx.state.orgs, map);
  }
  return map;
}

const refId = () => `${Math.random().toString(16).slice(2, 6)}-${Date.now().toString(16)}`;

export function pullRegister(ctx: SimContext, body: Record<string, unknown>) {
  const shortcode = String(body.ShortCode ?? "");
  if (!/^\d{5,7}$/.test(shortcode)) throw invalid("ShortCode");
  if (body.RequestType !== "Pull") throw invalid("RequestType");
  const nominatedNumber = String(body.NominatedNumber ?? "");
  if (nominatedNumber !== "" && !MSISDN.test(nominatedNumber)) throw invalid("NominatedNumber");
  const callbackUrl = String(body.CallBackURL ?? "");
  if (!/^https?:\/\//.test(callbackUrl)) throw invalid("CallBackURL");
  const map = registered(ctx);
  const already = map.has(shortcode);
  map.set(shortcode, { callbackUrl, nominatedNumber });
  return {
    ResponseRefID: refId(),
    ResponseStatus: already ? "1001" : "1000",
    ShortCode: shortcode,
    ResponseDescription: already ? "ShortCode already Registered" : "Shortcode Registered Successfully",
  };
}

/** `YYYY-MM-DD HH:mm:ss` (or with a `T`) in Nairobi time. */
function nairobiInstant(value: unknown, field: string): Date {
  const text = String(value ?? "");
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(text);
  const date = match ? new Date(`${match[1]}T${match[2]}+03:00`) : null;
  if (!date || Number.isNaN(date.getTime())) throw invalid(field);
  return date;
}

function nairobiIso(date: Date): string {
  return `${new Date(date.getTime() + 3 * 3_600_000).toISOString().slice(0, 19)}+03:00`;
}

/** Money customers paid to this shortcode (its paybill, or a till under it). */
function receivedBy(tx: Transaction, shortcode: string): boolean {
  return (
    (tx.kind === "c2b" || tx.kind === "stk") && (tx.shortcode === shortcode || tx.receiver === shortcode)
  );
}

export function pullQuery(ctx: SimContext, body: Record<string, unknown>) {
  const shortcode = String(body.ShortCode ?? "");
  if (!/^\d{5,7}$/.test(shortcode)) throw invalid("ShortCode");
  if (!registered(ctx).has(shortcode)) {
    throw new WireError(400, "400.002.02", "Bad Request - ShortCode not registered for Pull Transactions");
  }
  const start = nairobiInstant(body.StartDate, "StartDate");
  const end = nairobiInstant(body.EndDate, "EndDate");
  if (end.getTime() < start.getTime()) throw invalid("EndDate");
  const offset = Number(body.OffSetValue ?? 0);
  if (!Number.isInteger(offset) || offset < 0) throw invalid("OffSetValue");
  const oldest = Date.now() - RETENTION_MS;
  const rows = [...ctx.state.transactions.values()]
    .filter((tx) => receivedBy(tx, shortcode))
    .filter((tx) => {
      const at = tx.completedAt.getTime();
      // Dates have whole seconds: the end second is included whole.
      return at >= oldest && at >= start.getTime() && at < end.getTime() + 1000;
    })
    .sort((a, b) => a.completedAt.getTime() - b.completedAt.getTime() || a.receipt.localeCompare(b.receipt));
  const page = rows.slice(offset, offset + PULL_PAGE_SIZE);
  if (page.length === 0) {
    return {
      ResponseRefID: refId(),
      ResponseCode: "1001",
      ResponseMessage: "No transactions found for the period",
      Response: "[[]]",
    };
  }
  return {
    ResponseRefID: refId(),
    ResponseCode: "1000",
    ResponseMessage: "Success",
    Response: [
      page.map((tx) => ({
        transactionId: tx.receipt,
        trxDate: nairobiIso(tx.completedAt),
        msisdn: tx.msisdn ? Number(tx.msisdn) : "",
        sender: "MPESA",
        transactiontype: tx.receiver === shortcode ? "c2b-buy-goods-debit" : "c2b-pay-bill-debit",
        billreference: tx.reference ?? "",
        amount: kes(tx.amount * 100),
        organizationname: `Simulated org ${shortcode}`,
      })),
    ],
  };
}
