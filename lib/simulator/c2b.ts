// C2B: a merchant registers its validation and confirmation URLs; a customer pays the paybill or
// till (from the phone page, /sim/c2b/pay or Daraja's sandbox-only simulate endpoint).
import { createHash } from "node:crypto";
import { org, phone, record, type SimContext } from "./context";
import { deliver, post } from "./delivery";
import * as ids from "./ids";
import { invalid, kes, MSISDN } from "./wire";

export function registerUrls(ctx: SimContext, body: Record<string, unknown>, version: "v1" | "v2") {
  const shortcode = String(body.ShortCode ?? "");
  if (!/^\d{5,7}$/.test(shortcode)) throw invalid("ShortCode");
  const responseType = body.ResponseType;
  if (responseType !== "Completed" && responseType !== "Cancelled") throw invalid("ResponseType");
  for (const key of ["ConfirmationURL", "ValidationURL"] as const) {
    const value = String(body[key] ?? "");
    if (!/^https?:\/\//.test(value) || /m-?pesa|safaricom|exec|cmd|sql|query/i.test(value))
      throw invalid(key);
  }
  org(ctx, shortcode).c2b = {
    confirmationUrl: String(body.ConfirmationURL),
    validationUrl: String(body.ValidationURL),
    responseType,
    version,
  };
  return {
    OriginatorCoversationID: ids.originatorConversationId(),
    ResponseCode: "0",
    ResponseDescription: "success",
  };
}

/**
 * A customer pays a paybill (with an account) or a till: validation, then confirmation, which
 * echoes the `ThirdPartyTransID` the validation answer gave.
 */
export async function payC2b(
  ctx: SimContext,
  input: {
    shortcode: string;
    msisdn: string;
    amount: number;
    account?: string;
    till?: boolean;
  },
) {
  const o = org(ctx, input.shortcode);
  const payer = phone(ctx, input.msisdn);
  const transId = ids.receipt();
  if (payer.balanceCents < input.amount * 100) return { transId: null, outcome: "insufficient funds" };
  const wireMsisdn =
    o.c2b?.version === "v1"
      ? createHash("sha256").update(input.msisdn).digest("hex")
      : `${input.msisdn.slice(0, 4)} ***** ${input.msisdn.slice(-3)}`;
  const payload = (balance: string, thirdPartyTransId = "") => ({
    TransactionType: input.till ? "Buy Goods" : "Pay Bill",
    TransID: transId,
    TransTime: ids.darajaTime(new Date()),
    TransAmount: input.amount.toFixed(2),
    BusinessShortCode: input.shortcode,
    BillRefNumber: input.till ? "" : (input.account ?? ""),
    InvoiceNumber: "",
    OrgAccountBalance: balance,
    ThirdPartyTransID: thirdPartyTransId,
    MSISDN: wireMsisdn,
    FirstName: payer.name.split(" ")[0] ?? "",
    MiddleName: "",
    LastName: "",
  });
  let thirdPartyTransId = "";
  if (o.c2b) {
    const validation = await post(
      ctx,
      "c2b_validation",
      o.c2b.validationUrl,
      payload(""),
      ctx.settings.c2bValidationWindowMs,
    );
    let accepted = o.c2b.responseType === "Completed";
    const answer = validation.response;
    if (validation.status === 200 && answer) {
      try {
        const reply = JSON.parse(answer) as { ResultCode?: unknown; ThirdPartyTransID?: unknown };
        accepted = String(reply.ResultCode) === "0";
        if (typeof reply.ThirdPartyTransID === "string") thirdPartyTransId = reply.ThirdPartyTransID;
      } catch {
        // unreadable answer: the registered ResponseType decides
      }
    }
    if (!accepted) return { transId: null, outcome: "rejected by the merchant's validation" };
  }
  payer.balanceCents -= input.amount * 100;
  o.utilityCents += input.amount * 100;
  record(ctx, {
    receipt: transId,
    kind: "c2b",
    amount: input.amount,
    shortcode: input.shortcode,
    msisdn: input.msisdn,
    reference: input.account,
  });
  if (o.c2b) {
    const confirmationUrl = o.c2b.confirmationUrl;
    await deliver(ctx, "c2b_confirmation", confirmationUrl, (amount) => ({
      ...payload(kes(o.utilityCents), thirdPartyTransId),
      ...(amount !== undefined ? { TransAmount: amount.toFixed(2) } : {}),
    }));
  }
  return { transId, outcome: "completed" };
}

/** Daraja's C2B simulate: answers at once, the payment runs on behind it. */
export async function simulateC2b(ctx: SimContext, body: Record<string, unknown>) {
  const shortcode = String(body.ShortCode ?? "");
  if (!/^\d{5,7}$/.test(shortcode)) throw invalid("ShortCode");
  const amount = Number(body.Amount);
  if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
  const msisdn = String(body.Msisdn ?? "");
  if (!MSISDN.test(msisdn)) throw invalid("Msisdn");
  const till = body.CommandID === "CustomerBuyGoodsOnline";
  if (!till && body.CommandID !== "CustomerPayBillOnline") throw invalid("CommandID");
  void payC2b(ctx, {
    shortcode,
    msisdn,
    amount,
    account: body.BillRefNumber ? String(body.BillRefNumber) : "",
    till,
  });
  return {
    ConversationID: ids.conversationId(new Date()),
    OriginatorCoversationID: ids.originatorConversationId(),
    ResponseDescription: "Accept the service request successfully.",
  };
}
