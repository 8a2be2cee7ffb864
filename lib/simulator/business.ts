// The initiator APIs that move or report a business's money: B2C, B2B, Transaction Status,
// Account Balance and Reversal. Each checks the request, answers "accepted" at once and
// delivers its Result later through sendResult (lib/simulator/initiator.ts).
import { B2C_RESULTS, REVERSAL_RESULTS, STATUS_RESULTS } from "./codes";
import { chosenOutcome, org, phone, record, type SimContext } from "./context";
import * as ids from "./ids";
import { accepted, credentialOk, requireUrls, resultHead, sendResult } from "./initiator";
import { invalid, kes, MSISDN, WireError } from "./wire";

/** B2C (v3): our OriginatorConversationID is required and refused if seen before. */
export function b2c(ctx: SimContext, body: Record<string, unknown>) {
  const originator = String(body.OriginatorConversationID ?? "");
  if (!originator) throw invalid("OriginatorConversationID");
  const commandId = String(body.CommandID ?? "");
  if (!["BusinessPayment", "SalaryPayment", "PromotionPayment"].includes(commandId))
    throw invalid("CommandID");
  const amount = Number(body.Amount);
  if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
  const shortcode = String(body.PartyA ?? "");
  if (!/^\d{5,7}$/.test(shortcode)) throw invalid("PartyA");
  const msisdn = String(body.PartyB ?? "");
  if (!MSISDN.test(msisdn)) throw invalid("PartyB");
  const remarks = String(body.Remarks ?? "");
  if (remarks.length < 2 || remarks.length > 100) throw invalid("Remarks");
  const urls = requireUrls(body);
  if (ctx.state.originatorIds.has(originator))
    throw new WireError(500, "500.002.1001", "Duplicate OriginatorConversationID.");
  ctx.state.originatorIds.add(originator);
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "b2c", msisdn, amount);
  sendResult(ctx, "b2c", urls, forced?.delayMs ?? ctx.settings.autoAnswerMs, () => {
    const o = org(ctx, shortcode);
    let code = forced?.code ?? "0";
    if (!credentialOk(ctx, body)) code = "2001";
    else if (code === "0" && o.utilityCents < amount * 100) code = "1";
    const base = {
      ...resultHead(B2C_RESULTS, code, originator, conversation, code === "0" ? ids.receipt() : "NLJ0000000"),
      ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: "http://simulator/b2cresults" } },
    };
    if (code !== "0") return base;
    o.utilityCents -= amount * 100;
    phone(ctx, msisdn).balanceCents += amount * 100;
    record(ctx, {
      receipt: base.TransactionID,
      kind: "b2c",
      amount,
      shortcode,
      msisdn,
      originatorConversationId: originator,
      conversationId: conversation,
    });
    const d = new Date(Date.now() + 3 * 3600_000);
    const completed = `${String(d.getUTCDate()).padStart(2, "0")}.${String(d.getUTCMonth() + 1).padStart(2, "0")}.${d.getUTCFullYear()} ${d.toISOString().slice(11, 19)}`;
    return {
      ...base,
      ResultParameters: {
        ResultParameter: [
          { Key: "TransactionAmount", Value: amount },
          { Key: "TransactionReceipt", Value: base.TransactionID },
          { Key: "ReceiverPartyPublicName", Value: `${msisdn} - ${phone(ctx, msisdn).name.toUpperCase()}` },
          { Key: "TransactionCompletedDateTime", Value: completed },
          { Key: "B2CUtilityAccountAvailableFunds", Value: o.utilityCents / 100 },
          { Key: "B2CWorkingAccountAvailableFunds", Value: o.workingCents / 100 },
          { Key: "B2CRecipientIsRegisteredCustomer", Value: "Y" },
          { Key: "B2CChargesPaidAccountAvailableFunds", Value: o.chargesCents / 100 },
        ],
      },
    };
  });
  return accepted(originator, conversation);
}

/** B2C v1 carries no OriginatorConversationID: Daraja makes one, so the simulator does too. */
export function b2cV1(ctx: SimContext, body: Record<string, unknown>) {
  return b2c(ctx, {
    ...body,
    OriginatorConversationID: body.OriginatorConversationID ?? ids.originatorConversationId(),
  });
}

/** B2B to a paybill (BusinessPayBill needs an AccountReference) or a till. */
export function b2b(ctx: SimContext, body: Record<string, unknown>) {
  const commandId = String(body.CommandID ?? "");
  if (commandId !== "BusinessPayBill" && commandId !== "BusinessBuyGoods") throw invalid("CommandID");
  const amount = Number(body.Amount);
  if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
  const from = String(body.PartyA ?? "");
  const to = String(body.PartyB ?? "");
  if (!/^\d{5,9}$/.test(from)) throw invalid("PartyA");
  if (!/^\d{5,9}$/.test(to)) throw invalid("PartyB");
  if (commandId === "BusinessPayBill" && !body.AccountReference) throw invalid("AccountReference");
  const urls = requireUrls(body);
  const originator = ids.originatorConversationId();
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "b2b", null, amount);
  sendResult(ctx, "b2b", urls, forced?.delayMs ?? ctx.settings.autoAnswerMs, () => {
    const source = org(ctx, from);
    let code = forced?.code ?? "0";
    if (!credentialOk(ctx, body)) code = "2001";
    else if (code === "0" && source.workingCents + source.utilityCents < amount * 100) code = "1";
    const transactionId = code === "0" ? ids.receipt() : "OAK0000000";
    if (code === "0") {
      source.utilityCents -= amount * 100;
      org(ctx, to).utilityCents += amount * 100;
      record(ctx, {
        receipt: transactionId,
        kind: "b2b",
        amount,
        shortcode: from,
        reference: String(body.AccountReference ?? ""),
        originatorConversationId: originator,
        conversationId: conversation,
      });
    }
    return {
      ...resultHead(B2C_RESULTS, code, originator, conversation, transactionId),
      ...(code === "0"
        ? {
            ResultParameters: {
              ResultParameter: [
                { Key: "Amount", Value: amount.toFixed(2) },
                { Key: "TransCompletedTime", Value: ids.darajaTime(new Date()) },
                { Key: "ReceiverPartyPublicName", Value: `${to} - Simulated Business` },
                { Key: "Currency", Value: "KES" },
              ],
            },
          }
        : {}),
      ReferenceData: {
        ReferenceItem: [{ Key: "BillReferenceNumber", Value: String(body.AccountReference ?? "") }],
      },
    };
  });
  return accepted(originator, conversation);
}

/** Finds a transaction by receipt, or by the OriginatorConversationID or ConversationID it had. */
export function transactionStatus(ctx: SimContext, body: Record<string, unknown>) {
  if (body.CommandID !== "TransactionStatusQuery") throw invalid("CommandID");
  const receiptId = body.TransactionID ? String(body.TransactionID) : "";
  const original = body.OriginalConversationID ? String(body.OriginalConversationID) : "";
  if (!receiptId && !original) throw invalid("TransactionID");
  const urls = requireUrls(body);
  const originator = ids.originatorConversationId();
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "status", null, null);
  sendResult(ctx, "transaction_status", urls, forced?.delayMs ?? ctx.settings.autoAnswerMs, () => {
    const tx =
      ctx.state.transactions.get(receiptId) ??
      [...ctx.state.transactions.values()].find(
        (t) => t.originatorConversationId === original || t.conversationId === original,
      );
    let code = forced?.code ?? (tx ? "0" : "1");
    if (!credentialOk(ctx, body)) code = "2001";
    const base = {
      ...resultHead(STATUS_RESULTS, code, originator, conversation, tx?.receipt ?? "OAR0000000"),
    };
    if (code !== "0" || !tx) return base;
    return {
      ...base,
      ResultParameters: {
        ResultParameter: [
          { Key: "ReceiptNo", Value: tx.receipt },
          { Key: "TransactionStatus", Value: tx.status },
          { Key: "Amount", Value: String(tx.amount) },
          {
            Key: "DebitPartyName",
            Value: tx.msisdn ? `${tx.msisdn} - ${phone(ctx, tx.msisdn).name}` : tx.shortcode,
          },
          { Key: "CreditPartyName", Value: `${tx.shortcode} - Simulated Merchant` },
          { Key: "OriginatorConversationID", Value: tx.originatorConversationId ?? "" },
          { Key: "FinalisedTime", Value: ids.darajaTime(tx.completedAt) },
          { Key: "ReasonType", Value: tx.kind },
        ],
      },
    };
  });
  return accepted(originator, conversation);
}

/** Every account of the shortcode, in Daraja's `name|currency|amounts` lines joined by `&`. */
export function accountBalance(ctx: SimContext, body: Record<string, unknown>) {
  if (body.CommandID !== "AccountBalance") throw invalid("CommandID");
  const shortcode = String(body.PartyA ?? "");
  if (!/^\d{5,9}$/.test(shortcode)) throw invalid("PartyA");
  const urls = requireUrls(body);
  const originator = ids.originatorConversationId();
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "balance", null, null);
  sendResult(ctx, "account_balance", urls, forced?.delayMs ?? ctx.settings.autoAnswerMs, () => {
    const o = org(ctx, shortcode);
    let code = forced?.code ?? "0";
    if (!credentialOk(ctx, body)) code = "2001";
    const line = (name: string, cents: number) => `${name}|KES|${kes(cents)}|${kes(cents)}|0.00|0.00`;
    const balances = [
      line("Working Account", o.workingCents),
      line("Float Account", 0),
      line("Utility Account", o.utilityCents),
      line("Charges Paid Account", o.chargesCents),
      line("Organization Settlement Account", 0),
    ].join("&");
    return {
      ...resultHead(B2C_RESULTS, code, originator, conversation, "OA90000000"),
      ...(code === "0"
        ? {
            ResultParameters: {
              ResultParameter: [
                { Key: "AccountBalance", Value: balances },
                { Key: "BOCompletedTime", Value: Number(ids.darajaTime(new Date())) },
              ],
            },
          }
        : {}),
      ReferenceData: { ReferenceItem: { Key: "QueueTimeoutURL", Value: "http://simulator/abresults" } },
    };
  });
  return accepted(originator, conversation);
}

/** Reverses a recorded transaction once, taking the amount back from the shortcode's utility account. */
export function reversal(ctx: SimContext, body: Record<string, unknown>) {
  if (body.CommandID !== "TransactionReversal") throw invalid("CommandID");
  const receiptId = String(body.TransactionID ?? "");
  if (!/^[A-Z0-9]{10,12}$/.test(receiptId)) throw invalid("TransactionID");
  const amount = Number(body.Amount);
  if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
  const remarks = String(body.Remarks ?? "");
  if (remarks.length < 2 || remarks.length > 100) throw invalid("Remarks");
  const urls = requireUrls(body);
  const originator = ids.originatorConversationId();
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "reversal", null, amount);
  sendResult(ctx, "reversal", urls, forced?.delayMs ?? ctx.settings.autoAnswerMs, () => {
    const tx = ctx.state.transactions.get(receiptId);
    let code = forced?.code ?? "0";
    if (!credentialOk(ctx, body)) code = "2001";
    else if (!tx) code = "R000002";
    else if (tx.status === "Reversed") code = "R000001";
    else if (code === "0" && org(ctx, tx.shortcode).utilityCents < tx.amount * 100) code = "1";
    const transactionId = code === "0" ? ids.receipt() : "SKE0000000";
    if (code === "0" && tx) {
      tx.status = "Reversed";
      org(ctx, tx.shortcode).utilityCents -= tx.amount * 100;
      if (tx.msisdn) phone(ctx, tx.msisdn).balanceCents += tx.amount * 100;
      record(ctx, {
        receipt: transactionId,
        kind: "reversal",
        amount: tx.amount,
        shortcode: tx.shortcode,
        msisdn: tx.msisdn,
        reference: receiptId,
      });
    }
    return {
      ...resultHead(REVERSAL_RESULTS, code, originator, conversation, transactionId),
      ...(code === "0" && tx
        ? {
            ResultParameters: {
              ResultParameter: [
                {
                  Key: "DebitAccountBalance",
                  Value: `Utility Account|KES|${kes(org(ctx, tx.shortcode).utilityCents)}|${kes(org(ctx, tx.shortcode).utilityCents)}|0.00|0.00`,
                },
                { Key: "Amount", Value: tx.amount },
                { Key: "TransCompletedTime", Value: Number(ids.darajaTime(new Date())) },
                { Key: "OriginalTransactionID", Value: receiptId },
                { Key: "Charge", Value: 0 },
                {
                  Key: "CreditPartyPublicName",
                  Value: tx.msisdn ? `${tx.msisdn} - ${phone(ctx, tx.msisdn).name}` : tx.shortcode,
                },
                { Key: "DebitPartyPublicName", Value: `${tx.shortcode} - Simulated Merchant` },
              ],
            },
          }
        : {}),
      ReferenceData: {
        ReferenceItem: { Key: "QueueTimeoutURL", Value: "http://simulator/reversalresults" },
      },
    };
  });
  return accepted(originator, conversation);
}
