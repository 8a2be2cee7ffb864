// What the initiator APIs (B2C, B2B, Transaction Status, Account Balance, Reversal) share: the
// initiator's credential, the ResultURL/QueueTimeOutURL pair, the synchronous acknowledgement
// and the Result delivered later.
import { constants, type KeyObject, privateDecrypt } from "node:crypto";
import { resultText } from "./codes";
import { later, type SimContext } from "./context";
import { deliver } from "./delivery";
import { invalid, wireCode } from "./wire";

/** The common head of every Result; codes go out as numbers where Daraja sends numbers. */
export function resultHead(
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

/** Whether the initiator name and the password inside SecurityCredential are the configured ones. */
export function credentialOk(ctx: SimContext, body: Record<string, unknown>): boolean {
  try {
    const plain = decryptPkcs1(ctx.privateKey, Buffer.from(String(body.SecurityCredential ?? ""), "base64"));
    const name = body.InitiatorName ?? body.Initiator;
    return plain === ctx.settings.initiatorPassword && name === ctx.settings.initiatorName;
  } catch {
    return false;
  }
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

export interface ResultUrls {
  resultUrl: string;
  timeoutUrl: string;
}

export function requireUrls(body: Record<string, unknown>): ResultUrls {
  for (const key of ["ResultURL", "QueueTimeOutURL"] as const) {
    if (!/^https?:\/\/.+/.test(String(body[key] ?? ""))) throw invalid(key);
  }
  return { resultUrl: String(body.ResultURL), timeoutUrl: String(body.QueueTimeOutURL) };
}

/** The synchronous answer: accepted for processing, the Result comes later. */
export function accepted(originatorConversationId: string, conversationId: string) {
  return {
    OriginatorConversationID: originatorConversationId,
    ConversationID: conversationId,
    ResponseCode: "0",
    ResponseDescription: "Accept the service request successfully.",
  };
}

/**
 * Sends a Result (or, under the queueTimeout fault, a timeout notice) after `delayMs`. For B2C,
 * the b2cResultLoss and b2cResultTimeout faults lose or time out a random share of Results.
 * `makeResult` moves the money, so it runs when the Result is due, not when the request came in.
 * A timeout "processed" (or `true`) still runs it: Daraja timed out after carrying the request
 * out, and only Transaction Status can tell. "not_processed" never runs it: nothing happened.
 */
export function sendResult(
  ctx: SimContext,
  kind: string,
  urls: ResultUrls,
  delayMs: number,
  makeResult: () => Record<string, unknown>,
  ids: { originator: string; conversation: string },
): void {
  later(ctx, delayMs, () => {
    const { faults } = ctx.state;
    const roll = kind === "b2c" ? Math.random() : 1;
    const lost = roll < (faults.b2cResultLoss ?? 0);
    if (lost) {
      makeResult();
      ctx.state.deliveries.push({
        id: ++ctx.delivery.lastId,
        kind,
        url: urls.resultUrl,
        status: null,
        error: "lost (b2cResultLoss fault)",
        at: new Date(),
        body: null,
      });
      return;
    }
    const timedOut = roll < (faults.b2cResultLoss ?? 0) + (faults.b2cResultTimeout ?? 0);
    const timeout = faults.queueTimeout || (timedOut ? "processed" : undefined);
    if (timeout) {
      if (timeout !== "not_processed") makeResult();
      void deliver(ctx, `${kind}_timeout`, urls.timeoutUrl, () => ({
        Result: {
          ResultType: 1,
          ResultCode: 1,
          ResultDesc: "The service request timed out.",
          OriginatorConversationID: ids.originator,
          ConversationID: ids.conversation,
        },
      }));
      return;
    }
    void deliver(ctx, kind, urls.resultUrl, () => ({ Result: makeResult() }));
  });
}
