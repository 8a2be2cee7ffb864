// The Daraja client: every API Malipo uses, with validation before sending, tokens, timeouts,
// safe retries and call records. Framework-free: configuration and stores are passed in.
import { createHash, randomUUID } from "node:crypto";
import type { z } from "zod";
import { DEFAULT_MAX_AMOUNT_KES, validateAmount } from "../money";
import { normalizeKenyanPhone } from "../phone";
import { darajaTimestamp, securityCredential, stkPassword } from "./credentials";
import type { DarajaEnvironment } from "./environments";
import { DarajaError, isInvalidTokenError, validationError } from "./errors";
import { createTokenProvider, memoryTokenStore, type TokenStore } from "./token";
import { createTransport, type DarajaCallRecord } from "./transport";
import {
  type AcceptedResponse,
  acceptedResponseSchema,
  oauthResponseSchema,
  pullQueryResponseSchema,
  pullRegisterResponseSchema,
  stkPushResponseSchema,
  stkQueryResponseSchema,
} from "./wire";

export interface DarajaClientConfig {
  environment: DarajaEnvironment;
  baseUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** Lipa na M-Pesa Online: the shortcode (paybill, or a till's head-office/store number) and passkey. */
  stk?: { shortcode: string; passkey: string; tillNumber?: string };
  /** Organisation shortcode for C2B, B2C, B2B, status, balance and reversal. */
  shortcode?: string;
  initiator?: { name: string; password: string; certificatePem: string };
  c2bVersion?: "v1" | "v2";
  /** Largest amount accepted before sending (whole KES). */
  maxAmount?: number;
  timeoutMs?: number;
}

export interface DarajaClientDeps {
  tokenStore?: TokenStore;
  /** Cache key for tokens, e.g. `<merchantId>:<environment>`. */
  tokenKey?: string;
  fetch?: typeof fetch;
  record?: (call: DarajaCallRecord) => void | Promise<void>;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  maxRetries?: number;
}

/** Words Safaricom refuses in callback URLs (docs/daraja.md §15). */
const FORBIDDEN_URL_WORDS = /m-?pesa|safaricom|\bexe\b|exec|cmd|sql|query/i;

export function createDarajaClient(config: DarajaClientConfig, deps: DarajaClientDeps = {}) {
  const now = deps.now ?? (() => new Date());
  const maxAmount = config.maxAmount ?? DEFAULT_MAX_AMOUNT_KES;
  const send = createTransport({
    baseUrl: config.baseUrl,
    timeoutMs: config.timeoutMs,
    fetch: deps.fetch,
    record: deps.record,
    sleep: deps.sleep,
    random: deps.random,
    maxRetries: deps.maxRetries,
  });
  const tokenKey =
    deps.tokenKey ??
    `${config.environment}:${createHash("sha256").update(config.consumerKey).digest("hex").slice(0, 16)}`;

  async function requestToken() {
    const basic = Buffer.from(`${config.consumerKey}:${config.consumerSecret}`).toString("base64");
    let body: unknown;
    try {
      body = await send({
        method: "GET",
        path: "/oauth/v1/generate?grant_type=client_credentials",
        headers: { Authorization: `Basic ${basic}` },
        idempotent: true,
      });
    } catch (error) {
      if (error instanceof DarajaError && error.kind === "rejected") {
        throw new DarajaError({
          kind: "auth",
          errorCode: error.errorCode,
          httpStatus: error.httpStatus,
          message: `M-Pesa refused the consumer key and secret (${error.message}). Check them in Settings.`,
          cause: error,
        });
      }
      throw error;
    }
    const parsed = parse(oauthResponseSchema, body, "OAuth");
    return { token: parsed.access_token, expiresInSeconds: parsed.expires_in };
  }

  const tokens = createTokenProvider({
    key: tokenKey,
    store: deps.tokenStore ?? memoryTokenStore(),
    fetchToken: requestToken,
    now: () => now().getTime(),
  });

  /**
   * The token for a call; a failure to get one that is not Daraja's (the token store's database)
   * means the call never left, which a money-moving caller must know (not "maybe sent").
   */
  async function tokenForCall(): Promise<string> {
    try {
      return await tokens.get();
    } catch (error) {
      if (error instanceof DarajaError) throw error;
      throw new DarajaError({
        kind: "network",
        errorCode: "malipo.token_unavailable",
        message: `No Daraja token could be had, so nothing was sent (${(error as Error).message})`,
        retryable: true,
        mayHaveReachedMpesa: false,
        cause: error,
      });
    }
  }

  /**
   * An authorised POST; an invalid-token answer refreshes the token once and retries. `record`
   * takes the records of this call's requests (the token's own are recorded as usual).
   */
  async function post(
    path: string,
    body: unknown,
    idempotent: boolean,
    record?: DarajaClientDeps["record"],
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await tokenForCall();
      try {
        return await send({
          method: "POST",
          path,
          headers: { Authorization: `Bearer ${token}` },
          body,
          idempotent,
          record,
        });
      } catch (error) {
        if (attempt === 0 && isInvalidTokenError(error)) {
          await tokens.invalidate(token);
          continue;
        }
        throw error;
      }
    }
  }

  function requireStk() {
    if (!config.stk)
      throw validationError(
        "configuration",
        "M-Pesa Express (STK) shortcode and passkey are not configured.",
      );
    return config.stk;
  }
  function requireShortcode(): string {
    if (!config.shortcode) throw validationError("configuration", "The M-Pesa shortcode is not configured.");
    return config.shortcode;
  }
  function requireInitiator() {
    if (!config.initiator) {
      throw validationError(
        "configuration",
        "The M-Pesa initiator (name, password, certificate) is not configured.",
      );
    }
    const { name, password, certificatePem } = config.initiator;
    return { InitiatorName: name, SecurityCredential: securityCredential(password, certificatePem) };
  }
  function phone(value: string, field = "phone"): string {
    const result = normalizeKenyanPhone(value);
    if (!result.ok) throw validationError(field, result.message);
    return result.msisdn;
  }
  function amount(value: unknown): number {
    const result = validateAmount(value, maxAmount);
    if (!result.ok) throw validationError("amount", result.message);
    return result.amount;
  }
  function url(value: string, field: string, strictWords = false): string {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw validationError(field, `${field} must be a full URL.`);
    }
    if (
      parsed.protocol !== "https:" &&
      (config.environment === "production" || parsed.protocol !== "http:")
    ) {
      throw validationError(field, `${field} must use https in production.`);
    }
    if (strictWords && FORBIDDEN_URL_WORDS.test(value)) {
      throw validationError(
        field,
        `${field} must not contain words like "mpesa", "safaricom" or "query": M-Pesa rejects such URLs.`,
      );
    }
    return value;
  }
  function text(value: string | undefined, field: string, min: number, max: number): string {
    const v = (value ?? "").trim();
    if (v.length < min || v.length > max)
      throw validationError(field, `${field} must be ${min}-${max} characters.`);
    return v;
  }
  function accepted(body: unknown, what: string): AcceptedResponse {
    const result = parse(acceptedResponseSchema, body, what);
    if (result.responseCode !== "0") {
      throw new DarajaError({
        kind: "rejected",
        errorCode: result.responseCode,
        message: result.description || `${what} refused`,
      });
    }
    return result;
  }

  return {
    config,
    /** Forces a token now (used by health checks); normally tokens are fetched on demand. */
    accessToken: () => tokens.get(),

    /** Sends an STK prompt. "Accepted" is not payment: the result arrives by callback or query. */
    async stkPush(input: {
      amount: unknown;
      phone: string;
      accountReference: string;
      description?: string;
      callbackUrl: string;
    }) {
      const stk = requireStk();
      const reference = input.accountReference.trim();
      if (reference.length < 1 || reference.length > 12) {
        throw validationError(
          "accountReference",
          "The account reference must be 1-12 characters (M-Pesa shows it to the customer).",
        );
      }
      const msisdn = phone(input.phone);
      const timestamp = darajaTimestamp(now());
      const body = {
        BusinessShortCode: stk.shortcode,
        Password: stkPassword(stk.shortcode, stk.passkey, timestamp),
        Timestamp: timestamp,
        TransactionType: stk.tillNumber ? "CustomerBuyGoodsOnline" : "CustomerPayBillOnline",
        Amount: amount(input.amount),
        PartyA: msisdn,
        PartyB: stk.tillNumber ?? stk.shortcode,
        PhoneNumber: msisdn,
        CallBackURL: url(input.callbackUrl, "callbackUrl"),
        AccountReference: reference,
        TransactionDesc: (input.description?.trim() || reference).slice(0, 13),
      };
      const res = parse(
        stkPushResponseSchema,
        await post("/mpesa/stkpush/v1/processrequest", body, false),
        "STK Push",
      );
      if (res.ResponseCode !== "0") {
        throw new DarajaError({
          kind: "rejected",
          errorCode: res.ResponseCode,
          message: res.ResponseDescription ?? "STK Push refused",
        });
      }
      return {
        merchantRequestId: res.MerchantRequestID,
        checkoutRequestId: res.CheckoutRequestID,
        customerMessage: res.CustomerMessage ?? res.ResponseDescription ?? "",
        msisdn,
        amount: body.Amount,
      };
    },

    /**
     * Where an STK attempt stands. Daraja's "being processed" (HTTP 500, 500.001.1001) means pending.
     * `options.record` takes this query's call records instead of the client's recorder (the
     * sweep writes a handful's records in one statement: follow-up-stk-payment.ts).
     */
    async stkQuery(
      input: { checkoutRequestId: string },
      options: { record?: DarajaClientDeps["record"] } = {},
    ): Promise<
      | { status: "pending" }
      | { status: "final"; resultCode: string; resultDesc: string; merchantRequestId: string | null }
    > {
      const stk = requireStk();
      const timestamp = darajaTimestamp(now());
      const body = {
        BusinessShortCode: stk.shortcode,
        Password: stkPassword(stk.shortcode, stk.passkey, timestamp),
        Timestamp: timestamp,
        CheckoutRequestID: input.checkoutRequestId,
      };
      try {
        const res = parse(
          stkQueryResponseSchema,
          await post("/mpesa/stkpushquery/v1/query", body, true, options.record),
          "STK Query",
        );
        return {
          status: "final",
          resultCode: res.ResultCode,
          resultDesc: res.ResultDesc ?? "",
          merchantRequestId: res.MerchantRequestID ?? null,
        };
      } catch (error) {
        if (
          error instanceof DarajaError &&
          error.errorCode === "500.001.1001" &&
          /being processed/i.test(error.message)
        ) {
          return { status: "pending" };
        }
        throw error;
      }
    },

    async registerC2bUrls(input: {
      responseType: "Completed" | "Cancelled";
      confirmationUrl: string;
      validationUrl: string;
      shortcode?: string;
    }) {
      const body = {
        ShortCode: input.shortcode ?? requireShortcode(),
        ResponseType: input.responseType,
        ConfirmationURL: url(input.confirmationUrl, "confirmationUrl", true),
        ValidationURL: url(input.validationUrl, "validationUrl", true),
      };
      return accepted(
        await post(`/mpesa/c2b/${config.c2bVersion ?? "v1"}/registerurl`, body, true),
        "C2B URL registration",
      );
    },

    /** Sandbox and simulator only: pretend a customer paid the paybill or till. */
    async simulateC2b(input: {
      amount: unknown;
      phone: string;
      billRefNumber?: string;
      till?: boolean;
      shortcode?: string;
    }) {
      if (config.environment === "production")
        throw validationError("environment", "C2B simulate does not exist in production.");
      const body = {
        ShortCode: input.shortcode ?? requireShortcode(),
        CommandID: input.till ? "CustomerBuyGoodsOnline" : "CustomerPayBillOnline",
        Amount: amount(input.amount),
        Msisdn: phone(input.phone),
        BillRefNumber: input.till ? undefined : (input.billRefNumber ?? ""),
      };
      return accepted(
        await post(`/mpesa/c2b/${config.c2bVersion ?? "v1"}/simulate`, body, false),
        "C2B simulate",
      );
    },

    /**
     * Pays a customer (B2C v3). `originatorConversationId` is ours and unique per payout, so a
     * repeated request is refused by Daraja as a duplicate rather than paying twice.
     */
    async b2cPayment(input: {
      originatorConversationId?: string;
      amount: unknown;
      phone: string;
      commandId?: "BusinessPayment" | "SalaryPayment" | "PromotionPayment";
      remarks: string;
      occasion?: string;
      resultUrl: string;
      timeoutUrl: string;
    }) {
      const originatorConversationId = input.originatorConversationId ?? randomUUID();
      const body = {
        OriginatorConversationID: originatorConversationId,
        ...requireInitiator(),
        CommandID: input.commandId ?? "BusinessPayment",
        Amount: amount(input.amount),
        PartyA: requireShortcode(),
        PartyB: phone(input.phone),
        Remarks: text(input.remarks, "remarks", 2, 100),
        QueueTimeOutURL: url(input.timeoutUrl, "timeoutUrl"),
        ResultURL: url(input.resultUrl, "resultUrl"),
        Occassion: input.occasion ? text(input.occasion, "occasion", 1, 100) : undefined,
      };
      const res = accepted(await post("/mpesa/b2c/v3/paymentrequest", body, false), "B2C payment");
      return { ...res, originatorConversationId: res.originatorConversationId ?? originatorConversationId };
    },

    async b2bPayment(input: {
      commandId: "BusinessPayBill" | "BusinessBuyGoods";
      amount: unknown;
      partyB: string;
      accountReference?: string;
      requesterPhone?: string;
      remarks: string;
      resultUrl: string;
      timeoutUrl: string;
    }) {
      if (input.commandId === "BusinessPayBill" && !input.accountReference) {
        throw validationError("accountReference", "Paying a paybill needs an account reference.");
      }
      const body = {
        ...renameInitiator(requireInitiator()),
        CommandID: input.commandId,
        SenderIdentifierType: "4",
        RecieverIdentifierType: "4",
        Amount: amount(input.amount),
        PartyA: requireShortcode(),
        PartyB: text(input.partyB, "partyB", 5, 9),
        AccountReference: input.accountReference,
        Requester: input.requesterPhone ? phone(input.requesterPhone, "requesterPhone") : undefined,
        Remarks: text(input.remarks, "remarks", 1, 100),
        QueueTimeOutURL: url(input.timeoutUrl, "timeoutUrl"),
        ResultURL: url(input.resultUrl, "resultUrl"),
      };
      return accepted(await post("/mpesa/b2b/v1/paymentrequest", body, false), "B2B payment");
    },

    /** Looks a transaction up by receipt or by the OriginatorConversationID of our request. */
    async transactionStatus(input: {
      transactionId?: string;
      originalConversationId?: string;
      remarks?: string;
      occasion?: string;
      resultUrl: string;
      timeoutUrl: string;
    }) {
      if (!input.transactionId && !input.originalConversationId) {
        throw validationError("transactionId", "Give the M-Pesa receipt or the original conversation id.");
      }
      const body = {
        ...renameInitiator(requireInitiator()),
        CommandID: "TransactionStatusQuery",
        TransactionID: input.transactionId,
        OriginalConversationID: input.originalConversationId,
        PartyA: requireShortcode(),
        IdentifierType: "4",
        ResultURL: url(input.resultUrl, "resultUrl"),
        QueueTimeOutURL: url(input.timeoutUrl, "timeoutUrl"),
        Remarks: input.remarks ?? "Status check",
        Occasion: input.occasion ?? "",
      };
      return accepted(await post("/mpesa/transactionstatus/v1/query", body, true), "Transaction status");
    },

    async accountBalance(input: { remarks?: string; resultUrl: string; timeoutUrl: string }) {
      const body = {
        ...renameInitiator(requireInitiator()),
        CommandID: "AccountBalance",
        PartyA: requireShortcode(),
        IdentifierType: "4",
        Remarks: input.remarks ?? "Balance check",
        QueueTimeOutURL: url(input.timeoutUrl, "timeoutUrl"),
        ResultURL: url(input.resultUrl, "resultUrl"),
      };
      return accepted(await post("/mpesa/accountbalance/v1/query", body, true), "Account balance");
    },

    async reversal(input: {
      transactionId: string;
      amount: unknown;
      /** The shortcode that received the money (default: the organisation shortcode). */
      receiverParty?: string;
      remarks: string;
      occasion?: string;
      resultUrl: string;
      timeoutUrl: string;
    }) {
      const body = {
        ...renameInitiator(requireInitiator()),
        CommandID: "TransactionReversal",
        TransactionID: text(input.transactionId, "transactionId", 10, 12),
        Amount: amount(input.amount),
        ReceiverParty: input.receiverParty ?? requireShortcode(),
        RecieverIdentifierType: "11",
        ResultURL: url(input.resultUrl, "resultUrl"),
        QueueTimeOutURL: url(input.timeoutUrl, "timeoutUrl"),
        Remarks: text(input.remarks, "remarks", 2, 100),
        Occasion: input.occasion,
      };
      return accepted(await post("/mpesa/reversal/v1/request", body, false), "Reversal");
    },

    /**
     * Registers the shortcode for Pull Transactions (once per shortcode). "Already registered"
     * (1001) counts as registered.
     */
    async pullRegister(input: { nominatedNumber?: string; callbackUrl: string; shortcode?: string }) {
      const body = {
        ShortCode: input.shortcode ?? requireShortcode(),
        RequestType: "Pull",
        // The organisation's nominated Safaricom number; Malipo keeps none, and an empty one is sent.
        NominatedNumber: input.nominatedNumber ? phone(input.nominatedNumber, "nominatedNumber") : "",
        CallBackURL: url(input.callbackUrl, "callbackUrl", true),
      };
      const res = parse(
        pullRegisterResponseSchema,
        await post("/pulltransactions/v1/register", body, true),
        "Pull Transactions registration",
      );
      const registered =
        res.code === "1000" || res.code === "1001" || res.code === "0" || /already/i.test(res.description);
      if (!registered) {
        throw new DarajaError({
          kind: "rejected",
          errorCode: res.code,
          message: res.description || "Pull Transactions registration refused",
        });
      }
      return { alreadyRegistered: res.code === "1001" || /already/i.test(res.description) };
    },

    /**
     * One page of the shortcode's transactions between two instants (Daraja keeps about 48 hours).
     * Pages are asked for by row offset; an empty page ends the window.
     */
    async pullTransactions(input: { from: Date; to: Date; offset: number; shortcode?: string }) {
      const body = {
        ShortCode: input.shortcode ?? requireShortcode(),
        // Whole seconds: the end is rounded up so a transaction in its last second is included.
        StartDate: pullDate(input.from),
        EndDate: pullDate(new Date(Math.ceil(input.to.getTime() / 1000) * 1000)),
        OffSetValue: String(input.offset),
      };
      const res = parse(
        pullQueryResponseSchema,
        await post("/pulltransactions/v1/query", body, true),
        "Pull Transactions",
      );
      // 1001 with no rows is an empty window; 1001 is also what some refusals answer, so a
      // 1001 that carries rows, and any other code, is not treated as success.
      const empty = res.ResponseCode === "1001" && res.Response.length === 0;
      if (res.ResponseCode !== "1000" && res.ResponseCode !== "0" && !empty) {
        throw new DarajaError({
          kind: "rejected",
          errorCode: res.ResponseCode,
          message: res.ResponseMessage || "Pull Transactions refused",
        });
      }
      return res.Response.map((row) => ({
        receipt: row.transactionId,
        completedAt: row.trxDate,
        /** The payer's number as Daraja sends it (full): mask before storing or showing. */
        msisdn: row.msisdn === null || row.msisdn === undefined ? null : String(row.msisdn),
        sender: row.sender ?? null,
        transactionType: row.transactiontype ?? null,
        billReference: row.billreference?.trim() || null,
        amountCents: row.amount,
        organizationName: row.organizationname ?? null,
      }));
    },
  };
}

/** Pull Transactions' StartDate/EndDate: `YYYY-MM-DD HH:mm:ss` in Kenyan time. */
function pullDate(date: Date): string {
  const t = darajaTimestamp(date);
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)} ${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}`;
}

export type PullTransactionRow = Awaited<ReturnType<DarajaClient["pullTransactions"]>>[number];

export type DarajaClient = ReturnType<typeof createDarajaClient>;

/** B2B, status, balance and reversal call the initiator `Initiator`; B2C calls it `InitiatorName`. */
function renameInitiator(i: { InitiatorName: string; SecurityCredential: string }) {
  return { Initiator: i.InitiatorName, SecurityCredential: i.SecurityCredential };
}

function parse<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new DarajaError({
      kind: "protocol",
      errorCode: "malipo.unexpected_response",
      message: `${what}: unexpected answer from Daraja (${result.error.issues[0]?.message ?? "invalid"})`,
    });
  }
  return result.data;
}
