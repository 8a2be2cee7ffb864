// The Daraja simulator: Safaricom's wire format on a local port, a virtual phone, money that
// behaves like money, callbacks over HTTP and faults to order. Development and tests only: the
// app never imports it (scripts/sim.ts and the dev launcher start it).
import {
  constants,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  privateDecrypt,
  randomBytes,
} from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { parseAccountBalances } from "../payments/daraja/inbound";
import { redactText } from "../redact";
import {
  B2C_RESULTS,
  magicPhoneOutcome,
  REVERSAL_RESULTS,
  resultText,
  STATUS_RESULTS,
  STK_RESULTS,
} from "./codes";
import * as ids from "./ids";
import { renderPhonePage } from "./phone-page";
import {
  type Api,
  createState,
  type Delivery,
  faultsSchema,
  type Org,
  outcomeRuleSchema,
  type Phone,
  type Prompt,
  type SimulatorSettings,
  type Transaction,
} from "./state";

export interface SimulatorOptions extends Partial<SimulatorSettings> {
  port?: number;
  host?: string;
  log?: (msg: string) => void;
}

export interface Simulator {
  url: string;
  port: number;
  /** PEM public key to encrypt initiator passwords with (the simulator's "certificate"). */
  certificatePem: string;
  settings: SimulatorSettings;
  state: ReturnType<typeof createState>;
  close(): Promise<void>;
}

class WireError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly requestId = ids.requestId(),
  ) {
    super(message);
  }
}

const invalid = (field: string) => new WireError(400, "400.002.02", `Bad Request - Invalid ${field}`);
const MSISDN = /^254[17]\d{8}$/;
const TIMESTAMP = /^\d{14}$/;
const kes = (cents: number) => (cents / 100).toFixed(2);

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const settings: SimulatorSettings = {
    consumerKey: options.consumerKey,
    consumerSecret: options.consumerSecret,
    stkShortcodes: options.stkShortcodes ?? {
      "174379": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
    },
    initiatorName: options.initiatorName ?? "testapi",
    initiatorPassword: options.initiatorPassword ?? "Safaricom999!*!",
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3599,
    promptTimeoutMs: options.promptTimeoutMs ?? 60_000,
    autoAnswerMs: options.autoAnswerMs ?? 1_000,
    defaultPhoneBalanceCents: options.defaultPhoneBalanceCents ?? 50_000_00,
    defaultOrgUtilityCents: options.defaultOrgUtilityCents ?? 1_000_000_00,
  };
  // Callback URLs end in the merchant's secret and CheckoutRequestIDs carry the payer's number.
  const log = (msg: string) => options.log?.(redactText(msg));
  const state = createState();
  const timers = new Set<NodeJS.Timeout>();
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const certificatePem = publicKey.export({ type: "spki", format: "pem" }).toString();
  let deliveryId = 0;
  let held: (() => void) | null = null;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const record = (tx: Omit<Transaction, "status" | "completedAt">) =>
    state.transactions.set(tx.receipt, { ...tx, status: "Completed", completedAt: new Date() });

  const org = (shortcode: string): Org => {
    let o = state.orgs.get(shortcode);
    if (!o) {
      o = { shortcode, utilityCents: settings.defaultOrgUtilityCents, workingCents: 0, chargesCents: 0 };
      state.orgs.set(shortcode, o);
    }
    return o;
  };
  const phone = (msisdn: string): Phone => {
    let p = state.phones.get(msisdn);
    if (!p) {
      p = {
        msisdn,
        balanceCents: settings.defaultPhoneBalanceCents,
        pin: "1234",
        name: `Customer ${msisdn.slice(-3)}`,
      };
      state.phones.set(msisdn, p);
    }
    return p;
  };

  /** The outcome chosen for a request: a control-API rule first, then a magic phone number. */
  function chosenOutcome(
    api: Api,
    msisdn: string | null,
    amount: number | null,
  ): { code: string; delayMs: number } | null {
    const index = state.rules.findIndex(
      (r) =>
        (!r.api || r.api === api) &&
        (!r.phone || r.phone === msisdn) &&
        (r.amount === undefined || r.amount === amount),
    );
    const rule = state.rules[index];
    if (rule) {
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times <= 0) state.rules.splice(index, 1);
      }
      return { code: rule.resultCode, delayMs: rule.delayMs ?? settings.autoAnswerMs };
    }
    const magic = msisdn ? magicPhoneOutcome(msisdn) : null;
    return magic === null ? null : { code: magic, delayMs: settings.autoAnswerMs };
  }

  // ---- callback delivery with faults ----------------------------------------------------------

  function activeFaults() {
    const f = state.faults;
    if (Object.keys(f).length === 0) return {};
    state.faultUses += 1;
    if (f.times !== undefined && state.faultUses >= f.times) {
      state.faults = {};
      state.faultUses = 0;
    }
    return f;
  }

  async function post(kind: string, url: string, body: unknown): Promise<Delivery> {
    const record: Delivery = { id: ++deliveryId, kind, url, status: null, error: null, at: new Date(), body };
    state.deliveries.push(record);
    if (state.deliveries.length > 500) state.deliveries.shift();
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "User-Agent": "malipo-daraja-simulator" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      record.status = res.status;
      record.body = body;
      (record as Delivery & { response?: string }).response = (await res.text()).slice(0, 500);
    } catch (error) {
      record.error = (error as Error).message;
    }
    log(`callback ${kind} → ${url}: ${record.status ?? record.error}`);
    return record;
  }

  /** Delivers one callback, applying the faults in force. Daraja does not retry: neither do we. */
  function deliver(kind: string, url: string, makeBody: (faultAmount?: number) => unknown): Promise<void> {
    const f = activeFaults();
    const body = makeBody(f.amount);
    if (f.drop) {
      state.deliveries.push({
        id: ++deliveryId,
        kind,
        url,
        status: null,
        error: "dropped (fault)",
        at: new Date(),
        body,
      });
      return Promise.resolve();
    }
    const copies = 1 + (f.duplicates ?? 0);
    const send = async () => {
      if (f.concurrent) await Promise.all(Array.from({ length: copies }, () => post(kind, url, body)));
      else for (let i = 0; i < copies; i += 1) await post(kind, url, body);
    };
    return new Promise((resolve) => {
      const go = () => {
        if (f.outOfOrder && !held) {
          let flushed = false;
          held = () => {
            if (flushed) return;
            flushed = true;
            void send().then(resolve);
          };
          later(2_000, () => {
            const h = held;
            held = null;
            h?.();
          });
          return;
        }
        const previous = held;
        held = null;
        void send().then(() => {
          previous?.();
          resolve();
        });
      };
      if (f.delayMs) later(f.delayMs, go);
      else go();
    });
  }

  // ---- STK ----------------------------------------------------------------------------------------

  function stkCallback(p: Prompt, faultAmount?: number) {
    const base = {
      MerchantRequestID: p.merchantRequestId,
      CheckoutRequestID: p.checkoutRequestId,
      ResultCode: wireCode(p.resultCode ?? ""),
      ResultDesc: p.resultDesc,
    };
    if (p.resultCode !== "0") return { Body: { stkCallback: base } };
    return {
      Body: {
        stkCallback: {
          ...base,
          CallbackMetadata: {
            Item: [
              { Name: "Amount", Value: faultAmount ?? p.amount },
              { Name: "MpesaReceiptNumber", Value: p.receipt },
              { Name: "Balance" },
              { Name: "TransactionDate", Value: Number(ids.darajaTime(new Date())) },
              { Name: "PhoneNumber", Value: Number(p.msisdn) },
            ],
          },
        },
      },
    };
  }

  /** Ends a prompt with `code`, moving money on success; returns the delivery. */
  function settlePrompt(p: Prompt, code: string): Promise<void> {
    if (p.state !== "waiting") return Promise.resolve();
    let result = code;
    if (result === "0") {
      const payer = phone(p.msisdn);
      if (payer.balanceCents < p.amount * 100) result = "1";
      else {
        payer.balanceCents -= p.amount * 100;
        org(p.shortcode).utilityCents += p.amount * 100;
        p.receipt = ids.receipt();
        record({
          receipt: p.receipt,
          kind: "stk",
          amount: p.amount,
          shortcode: p.shortcode,
          msisdn: p.msisdn,
          reference: p.accountReference,
        });
      }
    }
    p.state = "done";
    p.resultCode = result;
    p.resultDesc = resultText(STK_RESULTS, result);
    log(`prompt ${p.checkoutRequestId} for ${p.msisdn.slice(0, 5)}… ended with ${result}`);
    return deliver("stk", p.callbackUrl, (amount) => stkCallback(p, amount));
  }

  function stkPush(body: Record<string, unknown>): { response: unknown; before?: Promise<void> } {
    const shortcode = String(body.BusinessShortCode ?? "");
    if (!/^\d{5,7}$/.test(shortcode)) throw invalid("BusinessShortCode");
    const timestamp = String(body.Timestamp ?? "");
    if (!TIMESTAMP.test(timestamp)) throw invalid("Timestamp");
    const type = body.TransactionType;
    if (type !== "CustomerPayBillOnline" && type !== "CustomerBuyGoodsOnline")
      throw invalid("TransactionType");
    const amount = Number(body.Amount);
    if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
    const msisdn = String(body.PhoneNumber ?? "");
    if (!MSISDN.test(msisdn)) throw invalid("PhoneNumber");
    if (!MSISDN.test(String(body.PartyA ?? ""))) throw invalid("PartyA");
    const partyB = String(body.PartyB ?? "");
    if (!/^\d{5,7}$/.test(partyB)) throw invalid("PartyB");
    const callbackUrl = String(body.CallBackURL ?? "");
    if (!/^https?:\/\/.+/.test(callbackUrl)) throw invalid("CallBackURL");
    const reference = String(body.AccountReference ?? "");
    if (reference.length < 1 || reference.length > 12) throw invalid("AccountReference");
    if (String(body.TransactionDesc ?? "").length > 13) throw invalid("TransactionDesc");
    const passkey = settings.stkShortcodes[shortcode];
    if (!passkey) throw new WireError(500, "500.001.1001", "Merchant does not exist");
    const expected = Buffer.from(`${shortcode}${passkey}${timestamp}`).toString("base64");
    if (body.Password !== expected) throw new WireError(500, "500.001.1001", "Wrong credentials");
    if (type === "CustomerPayBillOnline" && partyB !== shortcode) {
      throw new WireError(500, "500.001.1001", "Wrong credentials"); // paybill PartyB must be the shortcode
    }
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
      description: String(body.TransactionDesc ?? ""),
      callbackUrl,
      createdAt: now,
      state: "waiting",
    };
    state.prompts.set(prompt.checkoutRequestId, prompt);
    phone(msisdn);
    const outcome = chosenOutcome("stk", msisdn, amount);
    const beforeResponse = state.faults.beforeResponse === true;
    let before: Promise<void> | undefined;
    if (outcome && beforeResponse) before = settlePrompt(prompt, outcome.code);
    else if (outcome) later(outcome.delayMs, () => void settlePrompt(prompt, outcome.code));
    else later(settings.promptTimeoutMs, () => void settlePrompt(prompt, "1037"));
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

  function stkQuery(body: Record<string, unknown>) {
    const shortcode = String(body.BusinessShortCode ?? "");
    const passkey = settings.stkShortcodes[shortcode];
    if (!passkey) throw new WireError(500, "500.001.1001", "Merchant does not exist");
    const timestamp = String(body.Timestamp ?? "");
    if (!TIMESTAMP.test(timestamp)) throw invalid("Timestamp");
    if (body.Password !== Buffer.from(`${shortcode}${passkey}${timestamp}`).toString("base64")) {
      throw new WireError(500, "500.001.1001", "Wrong credentials");
    }
    const id = String(body.CheckoutRequestID ?? "");
    const p = state.prompts.get(id);
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

  // ---- C2B -----------------------------------------------------------------------------------------

  function registerUrls(body: Record<string, unknown>, version: "v1" | "v2") {
    const shortcode = String(body.ShortCode ?? "");
    if (!/^\d{5,7}$/.test(shortcode)) throw invalid("ShortCode");
    const responseType = body.ResponseType;
    if (responseType !== "Completed" && responseType !== "Cancelled") throw invalid("ResponseType");
    for (const key of ["ConfirmationURL", "ValidationURL"] as const) {
      const value = String(body[key] ?? "");
      if (!/^https?:\/\//.test(value) || /m-?pesa|safaricom|exec|cmd|sql|query/i.test(value))
        throw invalid(key);
    }
    org(shortcode).c2b = {
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

  /** A customer pays a paybill (with an account) or a till: validation, then confirmation. */
  async function payC2b(input: {
    shortcode: string;
    msisdn: string;
    amount: number;
    account?: string;
    till?: boolean;
  }) {
    const o = org(input.shortcode);
    const payer = phone(input.msisdn);
    const transId = ids.receipt();
    if (payer.balanceCents < input.amount * 100) return { transId: null, outcome: "insufficient funds" };
    const wireMsisdn =
      o.c2b?.version === "v1"
        ? createHash("sha256").update(input.msisdn).digest("hex")
        : `${input.msisdn.slice(0, 4)} ***** ${input.msisdn.slice(-3)}`;
    const payload = (balance: string) => ({
      TransactionType: input.till ? "Buy Goods" : "Pay Bill",
      TransID: transId,
      TransTime: ids.darajaTime(new Date()),
      TransAmount: input.amount.toFixed(2),
      BusinessShortCode: input.shortcode,
      BillRefNumber: input.till ? "" : (input.account ?? ""),
      InvoiceNumber: "",
      OrgAccountBalance: balance,
      ThirdPartyTransID: "",
      MSISDN: wireMsisdn,
      FirstName: payer.name.split(" ")[0] ?? "",
      MiddleName: "",
      LastName: "",
    });
    if (o.c2b) {
      const validation = await post("c2b_validation", o.c2b.validationUrl, payload(""));
      let accepted = o.c2b.responseType === "Completed";
      const answer = (validation as Delivery & { response?: string }).response;
      if (validation.status === 200 && answer) {
        try {
          accepted = String((JSON.parse(answer) as { ResultCode?: unknown }).ResultCode) === "0";
        } catch {
          // unreadable answer: the registered ResponseType decides
        }
      }
      if (!accepted) return { transId: null, outcome: "rejected by the merchant's validation" };
    }
    payer.balanceCents -= input.amount * 100;
    o.utilityCents += input.amount * 100;
    record({
      receipt: transId,
      kind: "c2b",
      amount: input.amount,
      shortcode: input.shortcode,
      msisdn: input.msisdn,
      reference: input.account,
    });
    if (o.c2b) {
      const confirmationUrl = o.c2b.confirmationUrl;
      await deliver("c2b_confirmation", confirmationUrl, (amount) => ({
        ...payload(kes(o.utilityCents)),
        ...(amount !== undefined ? { TransAmount: amount.toFixed(2) } : {}),
      }));
    }
    return { transId, outcome: "completed" };
  }

  // ---- initiator APIs (B2C, B2B, status, balance, reversal) -------------------------------------

  /** The common head of every Result; codes go out as numbers where Daraja sends numbers. */
  function resultHead(
    table: Record<string, string>,
    code: string,
    originator: string,
    conversation: string,
    transactionId: string,
  ) {
    return {
      ResultType: 0,
      ResultCode: wireCode(code),
      ResultDesc: resultText(table, code),
      OriginatorConversationID: originator,
      ConversationID: conversation,
      TransactionID: transactionId,
    };
  }

  function credentialOk(body: Record<string, unknown>): boolean {
    try {
      const plain = decryptPkcs1(privateKey, Buffer.from(String(body.SecurityCredential ?? ""), "base64"));
      const name = body.InitiatorName ?? body.Initiator;
      return plain === settings.initiatorPassword && name === settings.initiatorName;
    } catch {
      return false;
    }
  }

  function requireUrls(body: Record<string, unknown>) {
    for (const key of ["ResultURL", "QueueTimeOutURL"] as const) {
      if (!/^https?:\/\/.+/.test(String(body[key] ?? ""))) throw invalid(key);
    }
    return { resultUrl: String(body.ResultURL), timeoutUrl: String(body.QueueTimeOutURL) };
  }

  function accepted(originatorConversationId: string, conversationId: string) {
    return {
      OriginatorConversationID: originatorConversationId,
      ConversationID: conversationId,
      ResponseCode: "0",
      ResponseDescription: "Accept the service request successfully.",
    };
  }

  /** Sends a Result (or, under the queueTimeout fault, a timeout notice) after a short delay. */
  function sendResult(
    kind: string,
    urls: { resultUrl: string; timeoutUrl: string },
    delayMs: number,
    makeResult: () => Record<string, unknown>,
  ) {
    later(delayMs, () => {
      if (state.faults.queueTimeout) {
        const r = makeResult();
        void deliver(`${kind}_timeout`, urls.timeoutUrl, () => ({
          Result: {
            ResultType: 1,
            ResultCode: 1,
            ResultDesc: "The service request timed out.",
            OriginatorConversationID: r.OriginatorConversationID,
            ConversationID: r.ConversationID,
          },
        }));
        return;
      }
      void deliver(kind, urls.resultUrl, () => ({ Result: makeResult() }));
    });
  }

  function b2c(body: Record<string, unknown>) {
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
    if (state.originatorIds.has(originator))
      throw new WireError(500, "500.002.1001", "Duplicate OriginatorConversationID.");
    state.originatorIds.add(originator);
    const conversation = ids.conversationId(new Date());
    const forced = chosenOutcome("b2c", msisdn, amount);
    sendResult("b2c", urls, forced?.delayMs ?? settings.autoAnswerMs, () => {
      const o = org(shortcode);
      let code = forced?.code ?? "0";
      if (!credentialOk(body)) code = "2001";
      else if (code === "0" && o.utilityCents < amount * 100) code = "1";
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
      phone(msisdn).balanceCents += amount * 100;
      record({
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
            { Key: "ReceiverPartyPublicName", Value: `${msisdn} - ${phone(msisdn).name.toUpperCase()}` },
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

  function b2b(body: Record<string, unknown>) {
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
    const forced = chosenOutcome("b2b", null, amount);
    sendResult("b2b", urls, forced?.delayMs ?? settings.autoAnswerMs, () => {
      const source = org(from);
      let code = forced?.code ?? "0";
      if (!credentialOk(body)) code = "2001";
      else if (code === "0" && source.workingCents + source.utilityCents < amount * 100) code = "1";
      const transactionId = code === "0" ? ids.receipt() : "OAK0000000";
      if (code === "0") {
        source.utilityCents -= amount * 100;
        org(to).utilityCents += amount * 100;
        record({
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

  function transactionStatus(body: Record<string, unknown>) {
    if (body.CommandID !== "TransactionStatusQuery") throw invalid("CommandID");
    const receiptId = body.TransactionID ? String(body.TransactionID) : "";
    const original = body.OriginalConversationID ? String(body.OriginalConversationID) : "";
    if (!receiptId && !original) throw invalid("TransactionID");
    const urls = requireUrls(body);
    const originator = ids.originatorConversationId();
    const conversation = ids.conversationId(new Date());
    const forced = chosenOutcome("status", null, null);
    sendResult("transaction_status", urls, forced?.delayMs ?? settings.autoAnswerMs, () => {
      const tx =
        state.transactions.get(receiptId) ??
        [...state.transactions.values()].find(
          (t) => t.originatorConversationId === original || t.conversationId === original,
        );
      let code = forced?.code ?? (tx ? "0" : "1");
      if (!credentialOk(body)) code = "2001";
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
              Value: tx.msisdn ? `${tx.msisdn} - ${phone(tx.msisdn).name}` : tx.shortcode,
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

  function accountBalance(body: Record<string, unknown>) {
    if (body.CommandID !== "AccountBalance") throw invalid("CommandID");
    const shortcode = String(body.PartyA ?? "");
    if (!/^\d{5,9}$/.test(shortcode)) throw invalid("PartyA");
    const urls = requireUrls(body);
    const originator = ids.originatorConversationId();
    const conversation = ids.conversationId(new Date());
    const forced = chosenOutcome("balance", null, null);
    sendResult("account_balance", urls, forced?.delayMs ?? settings.autoAnswerMs, () => {
      const o = org(shortcode);
      let code = forced?.code ?? "0";
      if (!credentialOk(body)) code = "2001";
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

  function reversal(body: Record<string, unknown>) {
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
    const forced = chosenOutcome("reversal", null, amount);
    sendResult("reversal", urls, forced?.delayMs ?? settings.autoAnswerMs, () => {
      const tx = state.transactions.get(receiptId);
      let code = forced?.code ?? "0";
      if (!credentialOk(body)) code = "2001";
      else if (!tx) code = "R000002";
      else if (tx.status === "Reversed") code = "R000001";
      else if (code === "0" && org(tx.shortcode).utilityCents < tx.amount * 100) code = "1";
      const transactionId = code === "0" ? ids.receipt() : "SKE0000000";
      if (code === "0" && tx) {
        tx.status = "Reversed";
        org(tx.shortcode).utilityCents -= tx.amount * 100;
        if (tx.msisdn) phone(tx.msisdn).balanceCents += tx.amount * 100;
        record({
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
                    Value: `Utility Account|KES|${kes(org(tx.shortcode).utilityCents)}|${kes(org(tx.shortcode).utilityCents)}|0.00|0.00`,
                  },
                  { Key: "Amount", Value: tx.amount },
                  { Key: "TransCompletedTime", Value: Number(ids.darajaTime(new Date())) },
                  { Key: "OriginalTransactionID", Value: receiptId },
                  { Key: "Charge", Value: 0 },
                  {
                    Key: "CreditPartyPublicName",
                    Value: tx.msisdn ? `${tx.msisdn} - ${phone(tx.msisdn).name}` : tx.shortcode,
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

  // ---- HTTP ---------------------------------------------------------------------------------------

  function oauth(req: IncomingMessage, url: URL) {
    state.stats.oauthCalls += 1;
    const header = req.headers.authorization ?? "";
    if (!header.startsWith("Basic ")) throw new WireError(400, "400.008.01", "Invalid Authentication passed");
    if (url.searchParams.get("grant_type") !== "client_credentials") {
      throw new WireError(400, "400.008.02", "Invalid grant type passed");
    }
    const [key = "", secret = ""] = Buffer.from(header.slice(6), "base64").toString("utf8").split(":");
    const configured = settings.consumerKey && settings.consumerSecret;
    const ok = configured
      ? key === settings.consumerKey && secret === settings.consumerSecret
      : key !== "" && secret !== "";
    if (!ok) throw new WireError(400, "400.008.01", "Invalid Authentication passed");
    const token = randomBytes(21).toString("base64url");
    state.tokens.set(token, Date.now() + settings.tokenTtlSeconds * 1000);
    return { access_token: token, expires_in: String(settings.tokenTtlSeconds) };
  }

  function requireBearer(req: IncomingMessage) {
    const header = req.headers.authorization ?? "";
    if (!header.startsWith("Bearer "))
      throw new WireError(404, "404.001.04", "Invalid Authentication Header");
    const token = header.slice(7);
    const expiry = state.tokens.get(token);
    if (!expiry || expiry < Date.now()) throw new WireError(404, "404.001.03", "Invalid Access Token");
  }

  const apis: Record<string, (body: Record<string, unknown>) => unknown> = {
    "/mpesa/stkpushquery/v1/query": stkQuery,
    "/mpesa/c2b/v1/registerurl": (b) => registerUrls(b, "v1"),
    "/mpesa/c2b/v2/registerurl": (b) => registerUrls(b, "v2"),
    "/mpesa/b2c/v3/paymentrequest": b2c,
    "/mpesa/b2c/v1/paymentrequest": (b) =>
      b2c({ ...b, OriginatorConversationID: b.OriginatorConversationID ?? ids.originatorConversationId() }),
    "/mpesa/b2b/v1/paymentrequest": b2b,
    "/mpesa/transactionstatus/v1/query": transactionStatus,
    "/mpesa/accountbalance/v1/query": accountBalance,
    "/mpesa/reversal/v1/request": reversal,
  };

  async function simulateC2b(body: Record<string, unknown>) {
    const shortcode = String(body.ShortCode ?? "");
    if (!/^\d{5,7}$/.test(shortcode)) throw invalid("ShortCode");
    const amount = Number(body.Amount);
    if (!Number.isInteger(amount) || amount < 1) throw invalid("Amount");
    const msisdn = String(body.Msisdn ?? "");
    if (!MSISDN.test(msisdn)) throw invalid("Msisdn");
    const till = body.CommandID === "CustomerBuyGoodsOnline";
    if (!till && body.CommandID !== "CustomerPayBillOnline") throw invalid("CommandID");
    void payC2b({
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

  async function handleDaraja(req: IncomingMessage, res: ServerResponse, url: URL, raw: string) {
    if (url.pathname === "/oauth/v1/generate") {
      if (req.method !== "GET") throw new WireError(405, "405.001", "Method Not Allowed");
      return json(res, 200, oauth(req, url));
    }
    const known =
      url.pathname === "/mpesa/stkpush/v1/processrequest" ||
      url.pathname.startsWith("/mpesa/c2b/") ||
      url.pathname in apis;
    if (!known) throw new WireError(404, "404.001.01", "Resource not found");
    if (req.method !== "POST") throw new WireError(405, "405.001", "Method Not Allowed");
    requireBearer(req);
    state.stats.apiCalls += 1;
    if (state.faults.throttle && state.faults.throttle > 0) {
      state.faults.throttle -= 1;
      throw new WireError(500, "500.003.02", "Error Occurred: Spike Arrest Violation");
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      body = parsed as Record<string, unknown>;
    } catch {
      throw new WireError(400, "400.002.05", "Invalid Request Payload");
    }
    if (url.pathname === "/mpesa/stkpush/v1/processrequest") {
      const { response, before } = stkPush(body);
      if (before) await before;
      return json(res, 200, response);
    }
    if (/^\/mpesa\/c2b\/v[12]\/simulate$/.test(url.pathname)) return json(res, 200, await simulateC2b(body));
    const handler = apis[url.pathname];
    if (!handler) throw new WireError(404, "404.001.01", "Resource not found");
    return json(res, 200, handler(body));
  }

  // ---- control API (tests and the virtual phone) -------------------------------------------------

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, raw: string) {
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (path === "/sim/state" && method === "GET") {
      return json(res, 200, {
        prompts: [...state.prompts.values()],
        transactions: [...state.transactions.values()],
        orgs: [...state.orgs.values()],
        phones: [...state.phones.values()].map(({ pin: _pin, ...p }) => p),
        deliveries: state.deliveries,
        rules: state.rules,
        faults: state.faults,
        stats: state.stats,
        settings: {
          ...settings,
          consumerSecret: settings.consumerSecret ? "[set]" : undefined,
          initiatorPassword: "[set]",
        },
      });
    }
    if (path === "/sim/reset" && method === "POST") {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const fresh = createState();
      Object.assign(state, fresh);
      return json(res, 200, { ok: true });
    }
    if (path === "/sim/outcomes" && method === "POST") {
      const rule = outcomeRuleSchema.parse(body);
      state.rules.push(rule);
      return json(res, 201, rule);
    }
    if (path === "/sim/outcomes" && method === "DELETE") {
      state.rules = [];
      return json(res, 200, { ok: true });
    }
    if (path === "/sim/faults" && method === "POST") {
      state.faults = faultsSchema.parse(body);
      state.faultUses = 0;
      return json(res, 200, state.faults);
    }
    if (path === "/sim/faults" && method === "DELETE") {
      state.faults = {};
      return json(res, 200, { ok: true });
    }
    if (path === "/sim/config" && method === "POST") {
      for (const key of ["tokenTtlSeconds", "promptTimeoutMs", "autoAnswerMs"] as const) {
        const value = body[key];
        if (typeof value === "number" && value >= 0) settings[key] = value;
      }
      return json(res, 200, {
        tokenTtlSeconds: settings.tokenTtlSeconds,
        promptTimeoutMs: settings.promptTimeoutMs,
        autoAnswerMs: settings.autoAnswerMs,
      });
    }
    if (path === "/sim/tokens/expire" && method === "POST") {
      state.tokens.clear();
      return json(res, 200, { ok: true });
    }
    if (path === "/sim/certificate" && method === "GET") {
      res.writeHead(200, { "Content-Type": "application/x-pem-file" });
      return res.end(certificatePem);
    }
    if (path === "/sim/prompts" && method === "GET") {
      const filter = url.searchParams.get("phone");
      const list = [...state.prompts.values()].filter(
        (p) => p.state === "waiting" && (!filter || p.msisdn === filter),
      );
      return json(res, 200, list);
    }
    const action = /^\/sim\/prompts\/([^/]+)\/(accept|cancel|ignore)$/.exec(path);
    if (action && method === "POST") {
      const prompt = state.prompts.get(decodeURIComponent(action[1] ?? ""));
      if (!prompt) return json(res, 404, { error: "no such prompt" });
      if (prompt.state !== "waiting")
        return json(res, 409, { error: "prompt already answered", resultCode: prompt.resultCode });
      if (action[2] === "ignore")
        return json(res, 202, { ok: true, note: "the prompt will time out (1037)" });
      const pin = String(body.pin ?? "");
      const code = action[2] === "cancel" ? "1032" : pin === phone(prompt.msisdn).pin ? "0" : "2001";
      await settlePrompt(prompt, code);
      return json(res, 200, {
        resultCode: prompt.resultCode,
        resultDesc: prompt.resultDesc,
        receipt: prompt.receipt ?? null,
      });
    }
    if (path === "/sim/c2b/pay" && method === "POST") {
      const msisdn = String(body.phone ?? "");
      const amount = Number(body.amount);
      const shortcode = String(body.shortcode ?? "");
      if (!MSISDN.test(msisdn) || !Number.isInteger(amount) || amount < 1 || !/^\d{5,7}$/.test(shortcode)) {
        return json(res, 400, { error: "phone (2547…), whole amount and shortcode are required" });
      }
      return json(
        res,
        200,
        await payC2b({
          shortcode,
          msisdn,
          amount,
          account: String(body.account ?? ""),
          till: body.till === true,
        }),
      );
    }
    const phoneMatch = /^\/sim\/phones\/(254\d{9})$/.exec(path);
    if (phoneMatch && method === "PUT") {
      const p = phone(phoneMatch[1] ?? "");
      if (typeof body.balance === "number") p.balanceCents = Math.round(body.balance * 100);
      if (typeof body.pin === "string") p.pin = body.pin;
      if (typeof body.name === "string") p.name = body.name;
      return json(res, 200, { msisdn: p.msisdn, balance: p.balanceCents / 100, name: p.name });
    }
    const orgMatch = /^\/sim\/orgs\/(\d{5,9})$/.exec(path);
    if (orgMatch && method === "PUT") {
      const o = org(orgMatch[1] ?? "");
      if (typeof body.utility === "number") o.utilityCents = Math.round(body.utility * 100);
      if (typeof body.working === "number") o.workingCents = Math.round(body.working * 100);
      return json(res, 200, {
        shortcode: o.shortcode,
        balances: parseAccountBalances(
          `Utility Account|KES|${kes(o.utilityCents)}&Working Account|KES|${kes(o.workingCents)}`,
        ),
      });
    }
    return json(res, 404, { error: "unknown control endpoint" });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      try {
        if (url.pathname === "/" || url.pathname === "/phone") {
          res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
          return res.end(renderPhonePage());
        }
        if (url.pathname.startsWith("/sim/")) return await handleControl(req, res, url, raw);
        return await handleDaraja(req, res, url, raw);
      } catch (error) {
        if (error instanceof WireError) {
          return json(res, error.status, {
            requestId: error.requestId,
            errorCode: error.errorCode,
            errorMessage: error.message,
          });
        }
        return json(res, 400, { error: (error as Error).message });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    certificatePem,
    settings,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * RSA PKCS#1 v1.5 decryption, unpadded by hand: Node 20 refuses RSA_PKCS1_PADDING for private
 * decryption (CVE-2023-46809, a timing oracle), which does not matter for a local simulator.
 */
export function decryptPkcs1(key: KeyObject, ciphertext: Buffer): string {
  const block = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, ciphertext);
  const separator = block.indexOf(0, 2);
  if (block[0] !== 0 || block[1] !== 2 || separator < 10) throw new Error("bad PKCS#1 v1.5 padding");
  return block.subarray(separator + 1).toString("utf8");
}

/** Numeric codes as JSON numbers (as Daraja sends them in callbacks), others (R000001) as strings. */
function wireCode(code: string): string | number {
  return /^\d+$/.test(code) ? Number(code) : code;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}
