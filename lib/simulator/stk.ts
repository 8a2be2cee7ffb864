// STK Push and its query: a prompt waits on the virtual phone until someone answers it (the
// phone page, a control-API rule, a magic number) or it times out with 1037.
import { resultText, STK_RESULTS } from "./codes";
import { chosenOutcome, later, org, phone, record, type SimContext, warn } from "./context";
import { deliver } from "./delivery";
import * as ids from "./ids";
import type { Prompt } from "./state";
import { invalid, MSISDN, TIMESTAMP, WireError, wireCode } from "./wire";

/** A successful STK callback body as Daraja sends it (benchmarks, drills and tests build theirs here too). */
export function stkSuccessCallback(fields: {
  merchantRequestId: string;
  checkoutRequestId: string;
  amount: number;
  receipt: string;
  /** The payer's MSISDN as a number, e.g. 254712345678. */
  phone: number;
  /** yyyyMMddHHmmss as a number, Daraja's TransactionDate. */
  transactionDate: number;
}) {
  return {
    Body: {
      stkCallback: {
        MerchantRequestID: fields.merchantRequestId,
        CheckoutRequestID: fields.checkoutRequestId,
        ResultCode: 0,
        ResultDesc: "The service request is processed successfully.",
        CallbackMetadata: {
          Item: [
            { Name: "Amount", Value: fields.amount },
            { Name: "MpesaReceiptNumber", Value: fields.receipt },
            { Name: "Balance" },
            { Name: "TransactionDate", Value: fields.transactionDate },
            { Name: "PhoneNumber", Value: fields.phone },
          ],
        },
      },
    },
  };
}

function stkCallback(p: Prompt, faultAmount?: number) {
  if (p.resultCode !== "0") {
    const base = {
      MerchantRequestID: p.merchantRequestId,
      CheckoutRequestID: p.checkoutRequestId,
      ResultCode: wireCode(p.resultCode ?? ""),
      ResultDesc: p.resultDesc,
    };
    return { Body: { stkCallback: base } };
  }
  const body = stkSuccessCallback({
    merchantRequestId: p.merchantRequestId,
    checkoutRequestId: p.checkoutRequestId,
    amount: faultAmount ?? p.amount,
    receipt: p.receipt ?? "",
    phone: Number(p.msisdn),
    transactionDate: Number(ids.darajaTime(new Date())),
  });
  body.Body.stkCallback.ResultDesc = p.resultDesc ?? body.Body.stkCallback.ResultDesc;
  return body;
}

/** Ends a prompt with `code`, moving money on success; resolves once its callback is delivered. */
export function settlePrompt(ctx: SimContext, p: Prompt, code: string): Promise<void> {
  if (p.state !== "waiting") return Promise.resolve();
  let result = p.failWith ?? code;
  if (result === "0") {
    const payer = phone(ctx, p.msisdn);
    if (payer.balanceCents < p.amount * 100) result = "1";
    else {
      payer.balanceCents -= p.amount * 100;
      org(ctx, p.shortcode).utilityCents += p.amount * 100;
      p.receipt = ids.receipt();
      record(ctx, {
        receipt: p.receipt,
        kind: "stk",
        amount: p.amount,
        shortcode: p.shortcode,
        ...(p.partyB !== p.shortcode ? { receiver: p.partyB } : {}),
        msisdn: p.msisdn,
        reference: p.accountReference,
      });
    }
  }
  p.state = "done";
  p.resultCode = result;
  p.resultDesc = resultText(STK_RESULTS, result);
  ctx.log(`prompt ${p.checkoutRequestId} for ${p.msisdn.slice(0, 5)}… ended with ${result}`);
  return deliver(ctx, "stk", p.callbackUrl, (amount) => stkCallback(p, amount));
}

const MINUTE = 60_000;

/**
 * Whether a Timestamp was made from UTC instead of Nairobi time (a common client bug): about three
 * hours behind Nairobi's clock while matching UTC's within a few minutes. Daraja does not check
 * the time (docs/daraja.md §3), so the simulator accepts it and warns.
 */
export function looksLikeUtc(timestamp: string, now = new Date()): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(timestamp);
  if (!m) return false;
  const [, y, mo, d, h, mi, se] = m.map(Number);
  const wall = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, se);
  const nairobi = now.getTime() + 3 * 60 * MINUTE;
  return Math.abs(wall - now.getTime()) <= 5 * MINUTE && Math.abs(wall - nairobi) >= 2.5 * 60 * MINUTE;
}

function checkTimestamp(ctx: SimContext, api: string, timestamp: string, ref?: string): string[] {
  if (!looksLikeUtc(timestamp)) return [];
  const message = `Timestamp ${timestamp} is UTC, not Nairobi time (UTC+3): Daraja takes it, but build it in Africa/Nairobi`;
  warn(ctx, { api, ref, message });
  return [message];
}

/**
 * Daraja accepts a push whose PartyB does not belong to the shortcode and fails it later with 2028
 * (docs/daraja.md §3, §5): paybill PartyB must be the shortcode, a till the one registered under it.
 */
function partyBFailure(ctx: SimContext, type: string, shortcode: string, partyB: string): string | null {
  if (type === "CustomerPayBillOnline") {
    return partyB === shortcode ? null : `PartyB ${partyB} is not the paybill ${shortcode}`;
  }
  const till = ctx.settings.stkTills[shortcode];
  if (till === partyB) return null;
  return till
    ? `PartyB ${partyB} is not the till registered under ${shortcode}`
    : `no till is registered under ${shortcode} (POST /sim/config {"stkTills": {"${shortcode}": "${partyB}"}})`;
}

/**
 * Starts a prompt. `before` is set under the beforeResponse fault: the callback is delivered
 * before the request is answered, and the caller awaits it first.
 */
export function stkPush(
  ctx: SimContext,
  body: Record<string, unknown>,
): { response: unknown; before?: Promise<void> } {
  const { state, settings } = ctx;
  const shortcode = String(body.BusinessShortCode ?? "");
  if (!/^\d{5,7}$/.test(shortcode)) throw invalid("BusinessShortCode");
  const timestamp = String(body.Timestamp ?? "");
  if (!TIMESTAMP.test(timestamp)) throw invalid("Timestamp");
  const type = body.TransactionType;
  if (type !== "CustomerPayBillOnline" && type !== "CustomerBuyGoodsOnline") throw invalid("TransactionType");
  const amount = Number(body.Amount);
  // Above the per-transaction maximum Daraja refuses the request itself (docs/daraja.md §3, §16).
  if (!Number.isInteger(amount) || amount < 1 || amount > settings.maxAmountKes) throw invalid("Amount");
  const msisdn = String(body.PhoneNumber ?? "");
  if (!MSISDN.test(msisdn)) throw invalid("PhoneNumber");
  if (!MSISDN.test(String(body.PartyA ?? ""))) throw invalid("PartyA");
  const partyB = String(body.PartyB ?? "");
  if (!/^\d{5,7}$/.test(partyB)) throw invalid("PartyB");
  const callbackUrl = String(body.CallBackURL ?? "");
  if (!/^https?:\/\/.+/.test(callbackUrl)) throw invalid("CallBackURL");
  const reference = String(body.AccountReference ?? "");
  if (reference.length < 1 || reference.length > 12) throw invalid("AccountReference");
  // Documented as 13 characters at most, but Daraja takes longer ones (docs/daraja.md §3): keep 13.
  const description = String(body.TransactionDesc ?? "");
  if (description.length > 13) ctx.log(`TransactionDesc cut to 13 characters (${description.length} sent)`);
  const passkey = settings.stkShortcodes[shortcode];
  if (!passkey) throw new WireError(500, "500.001.1001", "Merchant does not exist");
  const expected = Buffer.from(`${shortcode}${passkey}${timestamp}`).toString("base64");
  if (body.Password !== expected) throw new WireError(500, "500.001.1001", "Wrong credentials");
  if ([...state.prompts.values()].some((p) => p.msisdn === msisdn && p.state === "waiting")) {
    throw new WireError(
      500,
      "500.001.1001",
      "Unable to lock subscriber, a transaction is already in process for the current subscriber",
    );
  }
  const now = new Date();
  const prompt: Prompt = {
    checkoutRequestId: ids.checkoutRequestId(msisdn, now),
    merchantRequestId: ids.merchantRequestId(),
    msisdn,
    amount,
    shortcode,
    partyB,
    accountReference: reference,
    description: description.slice(0, 13),
    callbackUrl,
    createdAt: now,
    state: "waiting",
  };
  const warnings = checkTimestamp(ctx, "stk", timestamp, prompt.checkoutRequestId);
  const wrongParty = partyBFailure(ctx, type, shortcode, partyB);
  if (wrongParty) {
    const message = `${wrongParty}: the push is accepted and fails with 2028`;
    prompt.failWith = "2028";
    warnings.push(message);
    warn(ctx, { api: "stk", ref: prompt.checkoutRequestId, message });
  }
  if (warnings.length > 0) prompt.warnings = warnings;
  state.prompts.set(prompt.checkoutRequestId, prompt);
  phone(ctx, msisdn);
  const outcome = wrongParty
    ? { code: "2028", delayMs: settings.autoAnswerMs }
    : chosenOutcome(ctx, "stk", msisdn, amount);
  const beforeResponse = state.faults.beforeResponse === true;
  let before: Promise<void> | undefined;
  if (outcome && beforeResponse) before = settlePrompt(ctx, prompt, outcome.code);
  else if (outcome) later(ctx, outcome.delayMs, () => void settlePrompt(ctx, prompt, outcome.code));
  else later(ctx, settings.promptTimeoutMs, () => void settlePrompt(ctx, prompt, "1037"));
  return {
    before,
    response: {
      MerchantRequestID: prompt.merchantRequestId,
      CheckoutRequestID: prompt.checkoutRequestId,
      ResponseCode: "0",
      ResponseDescription: "Success. Request accepted for processing",
      CustomerMessage: "Success. Request accepted for processing",
    },
  };
}

export function stkQuery(ctx: SimContext, body: Record<string, unknown>) {
  const shortcode = String(body.BusinessShortCode ?? "");
  const passkey = ctx.settings.stkShortcodes[shortcode];
  if (!passkey) throw new WireError(500, "500.001.1001", "Merchant does not exist");
  const timestamp = String(body.Timestamp ?? "");
  if (!TIMESTAMP.test(timestamp)) throw invalid("Timestamp");
  if (body.Password !== Buffer.from(`${shortcode}${passkey}${timestamp}`).toString("base64")) {
    throw new WireError(500, "500.001.1001", "Wrong credentials");
  }
  checkTimestamp(ctx, "stk_query", timestamp, String(body.CheckoutRequestID ?? ""));
  const id = String(body.CheckoutRequestID ?? "");
  const p = ctx.state.prompts.get(id);
  if (!p) throw invalid("CheckoutRequestID");
  if (p.state === "waiting")
    throw new WireError(500, "500.001.1001", "The transaction is being processed", id);
  return {
    ResponseCode: "0",
    ResponseDescription: "The service request has been accepted successfully",
    MerchantRequestID: p.merchantRequestId,
    CheckoutRequestID: p.checkoutRequestId,
    ResultCode: String(p.resultCode),
    ResultDesc: p.resultDesc,
  };
}
