import type { DbClient } from "../../db-types";
import { type DarajaResult, parseAccountBalances } from "../daraja/inbound";
import { parseDarajaTime } from "../daraja/payout-result";

export type BalanceSettlement = "settled" | "failed" | "timed_out" | "already_settled" | "unknown_request";

/**
 * Applies an Account Balance Result (or its queue-timeout notice) to the request it answers,
 * matched by the ids Daraja gave the request. Once only: a row already answered is left alone,
 * so a duplicate callback changes nothing. Success keeps every account and the utility and
 * working accounts' available cents; a failure keeps M-Pesa's code and words. A queue timeout is
 * noted but leaves the request open: a late Result still lands. "unknown_request" means the
 * Result beat the row being written (the inbox retries it) or answers nothing of ours.
 */
export async function settleBalanceResult(
  db: DbClient,
  options: { merchantId: string | null; result: DarajaResult; timeout?: boolean; now?: Date },
): Promise<BalanceSettlement> {
  const { result } = options;
  const now = options.now ?? new Date();
  const ids = [
    result.originatorConversationId ? { originatorConversationId: result.originatorConversationId } : null,
    result.conversationId ? { conversationId: result.conversationId } : null,
  ].filter((x) => x !== null);
  if (!options.merchantId || ids.length === 0) return "unknown_request";
  const request = await db.accountBalance.findFirst({
    where: { merchantId: options.merchantId, OR: ids },
    select: { id: true, answeredAt: true },
  });
  if (!request) return "unknown_request";
  if (request.answeredAt) return "already_settled";
  const open = { id: request.id, answeredAt: null };

  if (options.timeout) {
    await db.accountBalance.updateMany({
      where: open,
      data: { resultCode: result.resultCode, resultDesc: result.resultDesc || "The request timed out." },
    });
    return "timed_out";
  }
  if (result.resultCode !== "0") {
    const done = await db.accountBalance.updateMany({
      where: open,
      data: { resultCode: result.resultCode, resultDesc: result.resultDesc, answeredAt: now },
    });
    return done.count ? "failed" : "already_settled";
  }
  const accounts = parseAccountBalances(String(result.parameters.AccountBalance ?? ""));
  const available = (name: RegExp) => {
    const account = accounts.find((a) => name.test(a.name));
    return account && Number.isFinite(account.availableCents) ? BigInt(account.availableCents) : null;
  };
  const done = await db.accountBalance.updateMany({
    where: open,
    data: {
      accounts: accounts.map((a) => ({ ...a })),
      utilityAvailableCents: available(/utility/i),
      workingAvailableCents: available(/working/i),
      resultCode: "0",
      resultDesc: accounts.length ? result.resultDesc : "M-Pesa's answer held no readable balance.",
      // M-Pesa's own time for the figures when it sends one (Kenyan time), else when it reached us.
      answeredAt: parseDarajaTime(result.parameters.BOCompletedTime) ?? now,
    },
  });
  return done.count ? "settled" : "already_settled";
}
