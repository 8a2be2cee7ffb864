// The initiator APIs that move or report a business's money: B2C, B2B, Transaction Status,
// Account Balance and Reversal. Each checks the request, answers "accepted" at once and
// delivers its Result later through sendResult (lib/simulator/initiator.ts).
import { B2C_RESULTS, REVERSAL_RESULTS, STATUS_RESULTS } from "./codes";
import { chosenOutcome, org, phone, record, type SimContext, warn } from "./context";
import * as ids from "./ids";
import { accepted, credentialOk, requireUrls, resultHead, sendResult } from "./initiator";
import type { Transaction } from "./state";
import { invalid, kes, MSISDN, WireError } from "./wire";

/** B2C (v3): our OriginatorConversationID is required and refused if seen before. */
export function b2c(ctx: SimContext, body: Record<string, unknown>) {
  const originator = String(body.OriginatorConversationID ?? "");
  if (!originator) throw invalid("OriginatorConversationID");
  ctx.state.b2cRequests.set(originator, (ctx.state.b2cRequests.get(originator) ?? 0) + 1);
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
  const initiatedAt = new Date();
  const conversation = ids.conversationId(initiatedAt);
  const forced = chosenOutcome(ctx, "b2c", msisdn, amount);
  sendResult(
    ctx,
    "b2c",
    urls,
    forced?.delayMs ?? ctx.settings.autoAnswerMs,
    () => {
      const o = org(ctx, shortcode);
      let code = forced?.code ?? "0";
      if (!credentialOk(ctx, body)) code = "2001";
      else if (code === "0") code = limitCode(ctx, amount, ctx.settings.b2cMinAmountKes);
      if (code === "0" && o.utilityCents < amount * 100) code = "1";
      const base = {
        ...resultHead(
          B2C_RESULTS,
          code,
          originator,
          conversation,
          code === "0" ? ids.receipt() : "NLJ0000000",
        ),
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
        initiatedAt,
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
            { Key: "B2CRecipientIsRegisteredCustomer", Value: phone(ctx, msisdn).registered ? "Y" : "N" },
            { Key: "B2CChargesPaidAccountAvailableFunds", Value: o.chargesCents / 100 },
          ],
        },
      };
    },
    { originator, conversation },
  );
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
  const initiatedAt = new Date();
  const conversation = ids.conversationId(initiatedAt);
  const forced = chosenOutcome(ctx, "b2b", null, amount);
  sendResult(
    ctx,
    "b2b",
    urls,
    forced?.delayMs ?? ctx.settings.autoAnswerMs,
    () => {
      // The payer's utility account is checked and debited (as B2C), the receiver's credited.
      const source = org(ctx, from);
      let code = forced?.code ?? "0";
      if (!credentialOk(ctx, body)) code = "2001";
      else if (code === "0") code = limitCode(ctx, amount, 1);
      if (code === "0" && source.utilityCents < amount * 100) code = "1";
      const transactionId = code === "0" ? ids.receipt() : "OAK0000000";
      if (code === "0") {
        source.utilityCents -= amount * 100;
        org(ctx, to).utilityCents += amount * 100;
        record(ctx, {
          receipt: transactionId,
          kind: "b2b",
          amount,
          shortcode: from,
          receiver: to,
          reference: String(body.AccountReference ?? ""),
          originatorConversationId: originator,
          conversationId: conversation,
          initiatedAt,
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
    },
    { originator, conversation },
  );
  return accepted(originator, conversation);
}

/**
 * Finds a transaction by receipt, or by the OriginatorConversationID or ConversationID it had,
 * and answers as Daraja does (docs/daraja.md §11): a placeholder `TransactionID` in the head and
 * the receipt in `ReceiptNo`; the party money left as debit, the one it reached as credit; the
 * request's Occasion echoed in ReferenceData. No match is result 1 (the simulator's choice).
 */
export function transactionStatus(ctx: SimContext, body: Record<string, unknown>) {
  if (body.CommandID !== "TransactionStatusQuery") throw invalid("CommandID");
  const receiptId = body.TransactionID ? String(body.TransactionID) : "";
  const original = body.OriginalConversationID ? String(body.OriginalConversationID) : "";
  if (!receiptId && !original) throw invalid("TransactionID");
  const urls = requireUrls(body);
  const occasion = body.Occasion ? String(body.Occasion) : "";
  const originator = ids.originatorConversationId();
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "status", null, null);
  sendResult(
    ctx,
    "transaction_status",
    urls,
    forced?.delayMs ?? ctx.settings.autoAnswerMs,
    () => {
      const tx =
        ctx.state.transactions.get(receiptId) ??
        [...ctx.state.transactions.values()].find(
          (t) => original && (t.originatorConversationId === original || t.conversationId === original),
        );
      let code = forced?.code ?? (tx ? "0" : "1");
      if (!credentialOk(ctx, body)) code = "2001";
      const placeholder = tx ? ids.placeholderFor(tx.receipt) : "OAR0000000";
      const base = {
        ...resultHead(STATUS_RESULTS, code, originator, conversation, placeholder),
        ReferenceData: {
          ReferenceItem: occasion ? { Key: "Occasion", Value: occasion } : { Key: "Occasion" },
        },
      };
      if (code !== "0" || !tx) return base;
      const parties = statusParties(ctx, tx);
      return {
        ...base,
        ResultParameters: {
          ResultParameter: [
            { Key: "DebitPartyName", Value: parties.debit },
            { Key: "CreditPartyName", Value: parties.credit },
            { Key: "OriginatorConversationID", Value: tx.originatorConversationId ?? "" },
            { Key: "InitiatedTime", Value: Number(ids.darajaTime(tx.initiatedAt)) },
            { Key: "DebitAccountType", Value: parties.debitAccount },
            { Key: "DebitPartyCharges", Value: "" },
            { Key: "TransactionReason" },
            { Key: "ReasonType", Value: REASON_TYPES[tx.kind] },
            { Key: "TransactionStatus", Value: tx.status },
            { Key: "FinalisedTime", Value: Number(ids.darajaTime(tx.completedAt)) },
            { Key: "Amount", Value: tx.amount },
            { Key: "ConversationID", Value: tx.conversationId ?? "" },
            { Key: "ReceiptNo", Value: tx.receipt },
          ],
        },
      };
    },
    { originator, conversation },
  );
  return accepted(originator, conversation);
}

const REASON_TYPES: Record<Transaction["kind"], string> = {
  stk: "Pay Bill Online",
  c2b: "Pay Bill",
  b2c: "Business Payment to Customer via API",
  b2b: "Business Pay Bill",
  reversal: "Reversal",
};

/** Who paid and who was paid, as `<number> - <name>`, and the payer's account. */
function statusParties(ctx: SimContext, tx: Transaction) {
  const business = (shortcode: string) => `${shortcode} - Simulated Merchant`;
  const customer = (msisdn: string) => `${msisdn} - ${phone(ctx, msisdn).name}`;
  if (tx.kind === "b2b") {
    return {
      debit: business(tx.shortcode),
      credit: tx.receiver ? `${tx.receiver} - Simulated Business` : "",
      debitAccount: "Utility Account",
    };
  }
  if (tx.kind === "reversal") {
    const original = ctx.state.transactions.get(tx.reference ?? "");
    const legs = original ? reversalLegs(ctx, original) : null;
    if (legs) {
      const fromPhone = "msisdn" in legs.from;
      return {
        debit: legs.debitName,
        credit: legs.creditName,
        debitAccount: fromPhone ? "MMF Account" : "Utility Account",
      };
    }
  }
  if (tx.kind === "b2c" && tx.msisdn) {
    return { debit: business(tx.shortcode), credit: customer(tx.msisdn), debitAccount: "Utility Account" };
  }
  // Money in (STK, C2B): the customer paid the business from their M-Pesa account.
  return {
    debit: tx.msisdn ? customer(tx.msisdn) : "",
    credit: business(tx.shortcode),
    debitAccount: "MMF Account",
  };
}

/** Daraja's limit rules: 2 below the smallest amount, 3 above the largest (docs/daraja.md §5, §16). */
function limitCode(ctx: SimContext, amount: number, minimum: number): string {
  if (amount < minimum) return "2";
  if (amount > ctx.settings.maxAmountKes) return "3";
  return "0";
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
  sendResult(
    ctx,
    "account_balance",
    urls,
    forced?.delayMs ?? ctx.settings.autoAnswerMs,
    () => {
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
    },
    { originator, conversation },
  );
  return accepted(originator, conversation);
}

/** An account money moves between: a shortcode's utility account or a phone's M-Pesa balance. */
type Account = { shortcode: string } | { msisdn: string };

/**
 * Where a reversal of `tx` takes the money from and gives it back to (where it came from), the
 * shortcodes a `ReceiverParty` may name (the organisation's side of the original), and the
 * parties' public names.
 */
function reversalLegs(ctx: SimContext, tx: Transaction) {
  const business = (shortcode: string) => `${shortcode} - Simulated Merchant`;
  const customer = (msisdn: string) => `${msisdn} - ${phone(ctx, msisdn).name}`;
  const name = (a: Account) => ("msisdn" in a ? customer(a.msisdn) : business(a.shortcode));
  let legs: { from: Account; to: Account; parties: string[] } | null = null;
  if ((tx.kind === "stk" || tx.kind === "c2b") && tx.msisdn) {
    // Money in: back from the utility account that received it to the payer (an STK till counts).
    legs = {
      from: { shortcode: tx.shortcode },
      to: { msisdn: tx.msisdn },
      parties: [tx.shortcode, ...(tx.receiver ? [tx.receiver] : [])],
    };
  } else if (tx.kind === "b2c" && tx.msisdn) {
    legs = { from: { msisdn: tx.msisdn }, to: { shortcode: tx.shortcode }, parties: [tx.shortcode] };
  } else if (tx.kind === "b2b" && tx.receiver) {
    legs = { from: { shortcode: tx.receiver }, to: { shortcode: tx.shortcode }, parties: [tx.receiver] };
  }
  return legs && { ...legs, debitName: name(legs.from), creditName: name(legs.to) };
}

function balanceCents(ctx: SimContext, a: Account): number {
  return "msisdn" in a ? phone(ctx, a.msisdn).balanceCents : org(ctx, a.shortcode).utilityCents;
}

function move(ctx: SimContext, a: Account, cents: number): void {
  if ("msisdn" in a) phone(ctx, a.msisdn).balanceCents += cents;
  else org(ctx, a.shortcode).utilityCents += cents;
}

/**
 * Reverses a recorded transaction, once: `Amount` of it (a partial reversal still uses up the
 * one reversal, so a second request gets R000001) goes back where it came from. A receipt that is
 * unknown, not the `ReceiverParty`'s, or smaller than `Amount` gets R000002 (docs/daraja.md §13).
 */
export function reversal(ctx: SimContext, body: Record<string, unknown>) {
  if (body.CommandID !== "TransactionReversal") throw invalid("CommandID");
  const receiptId = String(body.TransactionID ?? "");
  if (!/^[A-Z0-9]{10,12}$/.test(receiptId)) throw invalid("TransactionID");
  const amount = Number(body.Amount);
  if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
  const receiverParty = String(body.ReceiverParty ?? "");
  if (!/^\d{5,9}$/.test(receiverParty)) throw invalid("ReceiverParty");
  // "11" in the current docs, "4" (shortcode) in the 2017 ones: both are taken.
  if (!["11", "4"].includes(String(body.RecieverIdentifierType ?? "")))
    throw invalid("RecieverIdentifierType");
  const remarks = String(body.Remarks ?? "");
  if (remarks.length < 2 || remarks.length > 100) throw invalid("Remarks");
  const urls = requireUrls(body);
  const originator = ids.originatorConversationId();
  const conversation = ids.conversationId(new Date());
  const forced = chosenOutcome(ctx, "reversal", null, amount);
  sendResult(
    ctx,
    "reversal",
    urls,
    forced?.delayMs ?? ctx.settings.autoAnswerMs,
    () => {
      const tx = ctx.state.transactions.get(receiptId);
      const legs = tx ? reversalLegs(ctx, tx) : null;
      const refuse = (message: string) => {
        warn(ctx, { api: "reversal", ref: receiptId, message: `${message}: answered R000002` });
        return "R000002";
      };
      let code = forced?.code ?? "0";
      if (!credentialOk(ctx, body)) code = "2001";
      else if (!tx || !legs) code = "R000002";
      else if (tx.status === "Reversed") code = "R000001";
      else if (!legs.parties.includes(receiverParty))
        code = refuse(`ReceiverParty ${receiverParty} is not the shortcode of ${receiptId}`);
      else if (amount > tx.amount)
        code = refuse(`Amount ${amount} is more than the ${tx.amount} of ${receiptId}`);
      else if (code === "0" && balanceCents(ctx, legs.from) < amount * 100) code = "1";
      const transactionId = code === "0" ? ids.receipt() : "SKE0000000";
      if (code === "0" && tx && legs) {
        tx.status = "Reversed";
        tx.reversedAmount = amount;
        move(ctx, legs.from, -amount * 100);
        move(ctx, legs.to, amount * 100);
        record(ctx, {
          receipt: transactionId,
          kind: "reversal",
          amount,
          shortcode: tx.shortcode,
          msisdn: tx.msisdn,
          receiver: tx.receiver,
          reference: receiptId,
        });
      }
      // The organisation's side: the account the money left, or for a B2C the one it came back to.
      const side = legs && ("shortcode" in legs.from ? legs.from : legs.to);
      const utility = side && "shortcode" in side ? org(ctx, side.shortcode) : null;
      return {
        ...resultHead(REVERSAL_RESULTS, code, originator, conversation, transactionId),
        ...(code === "0" && legs && utility
          ? {
              ResultParameters: {
                ResultParameter: [
                  {
                    Key: "DebitAccountBalance",
                    Value: `Utility Account|KES|${kes(utility.utilityCents)}|${kes(utility.utilityCents)}|0.00|0.00`,
                  },
                  { Key: "Amount", Value: amount },
                  { Key: "TransCompletedTime", Value: Number(ids.darajaTime(new Date())) },
                  { Key: "OriginalTransactionID", Value: receiptId },
                  { Key: "Charge", Value: 0 },
                  { Key: "CreditPartyPublicName", Value: legs.creditName },
                  { Key: "DebitPartyPublicName", Value: legs.debitName },
                ],
              },
            }
          : {}),
        ReferenceData: {
          ReferenceItem: { Key: "QueueTimeoutURL", Value: "http://simulator/reversalresults" },
        },
      };
    },
    { originator, conversation },
  );
  return accepted(originator, conversation);
}
