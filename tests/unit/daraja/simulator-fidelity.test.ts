// The simulator's payouts behave as Daraja documents them (docs/daraja.md §3, §9-§11, §14, §16):
// amount limits, Transaction Status answers, both kinds of queue timeout, B2B's accounts and
// recipients M-Pesa does not know or knows as unregistered.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDarajaClient } from "@/lib/payments/daraja/client";
import { readPayoutResult, readStatusResult } from "@/lib/payments/daraja/payout-result";
import { startDarajaWorld } from "../../support/daraja";

const reference = (name: string): unknown =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, "../../fixtures/daraja-reference", `${name}.json`), "utf8"),
  );

/** The key paths of a Result, Daraja's `{Key, Value}` entries named by their Key. */
function shape(value: unknown, prefix = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) {
      const key = item && typeof item === "object" ? (item as { Key?: unknown }).Key : undefined;
      shape(item, `${prefix}[${typeof key === "string" ? key : ""}]`, out);
    }
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.add(`${prefix}.${k}`);
      shape(v, `${prefix}.${k}`, out);
    }
  }
  return out;
}

describe("simulator fidelity for payouts", () => {
  let world: Awaited<ReturnType<typeof startDarajaWorld>>;
  /** A client that lets amounts past Malipo's own ceiling through, to see what Daraja does. */
  let loose: ReturnType<typeof createDarajaClient>;
  const cb = (path: string) => world.receiver.url(path);
  const resultOn = (path: string) => world.receiver.resultOn(path);
  const utility = (shortcode: string) => world.sim.state.orgs.get(shortcode)?.utilityCents ?? 1_000_000_00;
  const b2c = (path: string, phone: string, amount: number, extra: { originator?: string } = {}) =>
    loose.b2cPayment({
      originatorConversationId: extra.originator,
      amount,
      phone,
      remarks: "Payout",
      resultUrl: cb(path),
      timeoutUrl: cb(`${path}/timeout`),
    });
  const status = (path: string, by: { transactionId?: string; originalConversationId?: string }) =>
    loose.transactionStatus({
      ...by,
      occasion: "payout-42",
      resultUrl: cb(path),
      timeoutUrl: cb(`${path}/timeout`),
    });

  beforeAll(async () => {
    world = await startDarajaWorld();
    loose = createDarajaClient({ ...world.client.config, maxAmount: 10_000_000 });
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/faults");
    await world.control("DELETE", "/sim/outcomes");
    await world.control("PUT", "/sim/orgs/600000", { utility: 1_000_000, working: 0 });
  });

  describe("amount limits", () => {
    it("refuses an STK Push above KES 250,000 with Daraja's invalid-amount envelope", async () => {
      const error = await loose
        .stkPush({ amount: 999_999, phone: "0712000100", accountReference: "BIG", callbackUrl: cb("/stk") })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ errorCode: "400.002.02", httpStatus: 400 });
      expect(String((error as Error).message)).toContain("Invalid Amount");
      expect([...world.sim.state.prompts.values()].some((p) => p.amount === 999_999)).toBe(false);
      await expect(
        loose.stkPush({
          amount: 250_000,
          phone: "0712000101",
          accountReference: "MAX",
          callbackUrl: cb("/s"),
        }),
      ).resolves.toMatchObject({ amount: 250_000 });
    });

    it("declines a B2C above the maximum with 3 and below KES 10 with 2, moving no money", async () => {
      const before = utility("600000");
      await b2c("/lim/big", "0712000102", 300_000);
      expect(await resultOn("/lim/big")).toMatchObject({
        resultCode: "3",
        resultDesc: expect.stringContaining("greater than the maximum"),
        parameters: {},
      });
      await b2c("/lim/small", "0712000103", 9);
      expect(await resultOn("/lim/small")).toMatchObject({
        resultCode: "2",
        resultDesc: expect.stringContaining("less than the minimum"),
      });
      await b2c("/lim/ok", "0712000104", 10);
      expect(await resultOn("/lim/ok")).toMatchObject({ resultCode: "0" });
      expect(utility("600000")).toBe(before - 1_000);
    });

    it("declines a B2B above the maximum with 3", async () => {
      await loose.b2bPayment({
        commandId: "BusinessBuyGoods",
        amount: 300_000,
        partyB: "777001",
        remarks: "Too big",
        resultUrl: cb("/lim/b2b"),
        timeoutUrl: cb("/lim/b2b/t"),
      });
      expect(await resultOn("/lim/b2b")).toMatchObject({ resultCode: "3" });
      expect(world.sim.state.orgs.get("777001")?.utilityCents ?? 0).toBe(0);
    });
  });

  describe("Transaction Status", () => {
    it("answers for a B2C as Daraja does: placeholder TransactionID, ReceiptNo, organisation → phone", async () => {
      await world.control("PUT", "/sim/phones/254712000110", { name: "Jane Wanjiru" });
      const sent = await b2c("/ts/b2c", "0712000110", 300, { originator: "fidelity-ts-1" });
      const paid = readPayoutResult(await resultOn("/ts/b2c"));
      expect(paid.receipt).toMatch(/^[A-Z0-9]{10}$/);

      await status("/ts/b2c/status", { originalConversationId: sent.originatorConversationId });
      const [delivery] = await world.receiver.waitFor(1, "/ts/b2c/status");
      // Daraja's sample echoes an empty Occasion (no Value); this query sent one.
      expect([...shape(delivery?.body)].sort()).toEqual(
        [
          ...shape(reference("transaction-status-result")),
          ".Result.ReferenceData.ReferenceItem.Value",
        ].sort(),
      );
      const result = await resultOn("/ts/b2c/status");
      expect(result.transactionId).toMatch(/^[A-Z]{2,3}0{7,8}$/);
      expect(paid.receipt?.startsWith(result.transactionId?.replace(/0+$/, "") ?? "-")).toBe(true);
      expect(result.parameters).toMatchObject({
        ReceiptNo: paid.receipt,
        TransactionStatus: "Completed",
        Amount: 300,
        DebitPartyName: "600000 - Simulated Merchant",
        CreditPartyName: "254712000110 - Jane Wanjiru",
        DebitAccountType: "Utility Account",
        OriginatorConversationID: "fidelity-ts-1",
        ConversationID: sent.conversationId,
      });
      expect(String(result.parameters.InitiatedTime)).toMatch(/^\d{14}$/);
      expect(result.reference).toEqual({ Occasion: "payout-42" });

      // The client reads the receipt where Daraja puts it, and the placeholder never passes for one.
      expect(readStatusResult(result)).toMatchObject({
        receipt: paid.receipt,
        transactionStatus: "Completed",
        recipientName: "Jane Wanjiru",
        occasion: "payout-42",
        originalOriginatorConversationId: "fidelity-ts-1",
      });
      expect(readStatusResult({ ...result, parameters: {} }).receipt).toBeNull();
    });

    it("answers for a B2B with the payer's shortcode as debit and the receiver's as credit", async () => {
      const sent = await loose.b2bPayment({
        commandId: "BusinessPayBill",
        amount: 800,
        partyB: "888811",
        accountReference: "INV-9",
        remarks: "Supplier",
        resultUrl: cb("/ts/b2b"),
        timeoutUrl: cb("/ts/b2b/t"),
      });
      expect(await resultOn("/ts/b2b")).toMatchObject({ resultCode: "0" });
      await status("/ts/b2b/status", { originalConversationId: sent.conversationId ?? "" });
      expect((await resultOn("/ts/b2b/status")).parameters).toMatchObject({
        DebitPartyName: "600000 - Simulated Merchant",
        CreditPartyName: "888811 - Simulated Business",
        Amount: 800,
      });
    });

    it("answers 1 with no parameters when nothing matches", async () => {
      await status("/ts/none", { originalConversationId: "never-sent" });
      expect(await resultOn("/ts/none")).toMatchObject({
        resultCode: "1",
        transactionId: "OAR0000000",
        parameters: {},
      });
    });
  });

  describe("queue timeouts", () => {
    it("'processed' (or true) still pays: Transaction Status then finds the payment", async () => {
      await world.control("POST", "/sim/faults", { queueTimeout: "processed", times: 1 });
      const before = utility("600000");
      await b2c("/qt/p", "0712000120", 50, { originator: "fidelity-qt-processed" });
      expect(await resultOn("/qt/p/timeout")).toMatchObject({
        resultType: "1",
        resultCode: "1",
        originatorConversationId: "fidelity-qt-processed",
      });
      expect(utility("600000")).toBe(before - 5_000);
      await status("/qt/p/status", { originalConversationId: "fidelity-qt-processed" });
      expect(await resultOn("/qt/p/status")).toMatchObject({
        resultCode: "0",
        parameters: { TransactionStatus: "Completed", Amount: 50 },
      });
    });

    it("'not_processed' moves no money: Transaction Status finds nothing", async () => {
      await world.control("POST", "/sim/faults", { queueTimeout: "not_processed", times: 1 });
      const before = utility("600000");
      await b2c("/qt/n", "0712000121", 60, { originator: "fidelity-qt-not-processed" });
      expect(await resultOn("/qt/n/timeout")).toMatchObject({
        resultCode: "1",
        originatorConversationId: "fidelity-qt-not-processed",
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(world.receiver.received.some((r) => r.path === "/qt/n")).toBe(false);
      expect(utility("600000")).toBe(before);
      await status("/qt/n/status", { originalConversationId: "fidelity-qt-not-processed" });
      expect(await resultOn("/qt/n/status")).toMatchObject({ resultCode: "1" });
    });

    it("refuses an unknown queueTimeout mode", async () => {
      const res = await fetch(`${world.sim.url}/sim/faults`, {
        method: "POST",
        body: JSON.stringify({ queueTimeout: "sometimes" }),
      });
      expect(res.status).toBe(400);
    });
  });

  describe("B2B accounts", () => {
    it("checks and debits the payer's utility account and credits the receiving shortcode", async () => {
      await world.control("PUT", "/sim/orgs/600000", { utility: 1_000, working: 500_000 });
      await loose.b2bPayment({
        commandId: "BusinessBuyGoods",
        amount: 5_000,
        partyB: "777002",
        remarks: "Beyond utility",
        resultUrl: cb("/b2b/poor"),
        timeoutUrl: cb("/b2b/poor/t"),
      });
      // Working-account money does not count: B2B pays from the utility account, as B2C does.
      expect(await resultOn("/b2b/poor")).toMatchObject({ resultCode: "1" });
      expect(world.sim.state.orgs.get("600000")).toMatchObject({
        utilityCents: 100_000,
        workingCents: 50_000_000,
      });

      await loose.b2bPayment({
        commandId: "BusinessBuyGoods",
        amount: 400,
        partyB: "777002",
        remarks: "Within utility",
        resultUrl: cb("/b2b/ok"),
        timeoutUrl: cb("/b2b/ok/t"),
      });
      const paid = await resultOn("/b2b/ok");
      expect(paid.resultCode).toBe("0");
      expect(world.sim.state.orgs.get("600000")?.utilityCents).toBe(60_000);
      expect(world.sim.state.orgs.get("777002")?.utilityCents).toBe(1_000_000_00 + 40_000);
      expect(world.sim.state.transactions.get(paid.transactionId ?? "")).toMatchObject({
        kind: "b2b",
        shortcode: "600000",
        receiver: "777002",
      });
    });
  });

  describe("recipients", () => {
    it("fails with 2040 for the magic recipient 254700002040, moving no money", async () => {
      const before = utility("600000");
      await b2c("/rcpt/2040", "0700002040", 100);
      expect(await resultOn("/rcpt/2040")).toMatchObject({
        resultCode: "2040",
        resultDesc: expect.stringContaining("customer type"),
        parameters: {},
      });
      expect(utility("600000")).toBe(before);
    });

    it("pays an unregistered recipient with the flag N; names the recipient as '<msisdn> - NAME'", async () => {
      await world.control("PUT", "/sim/phones/254712000130", { name: "Otieno Ouma", registered: false });
      await b2c("/rcpt/unreg", "0712000130", 100);
      const result = await resultOn("/rcpt/unreg");
      expect(result.parameters).toMatchObject({
        B2CRecipientIsRegisteredCustomer: "N",
        ReceiverPartyPublicName: "254712000130 - OTIENO OUMA",
      });
      expect(readPayoutResult(result).recipientName).toBe("OTIENO OUMA");
      await b2c("/rcpt/reg", "0712000131", 100);
      expect((await resultOn("/rcpt/reg")).parameters.B2CRecipientIsRegisteredCustomer).toBe("Y");
    });
  });
});
