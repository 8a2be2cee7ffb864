// The simulator's reversals, STK pushes and C2B payments behave as Daraja documents them
// (docs/daraja.md §3, §5, §7, §13): partial reversals, money back where it came from once, receiver
// checks; long TransactionDesc accepted; a wrong PartyB failed by callback; UTC timestamps warned
// about; ThirdPartyTransID echoed and the 8 s validation window.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { securityCredential, stkPassword } from "@/lib/payments/daraja/credentials";
import { SANDBOX_STK_PASSKEY } from "@/lib/payments/daraja/environments";
import { looksLikeUtc } from "@/lib/simulator/stk";
import { startDarajaWorld, startReceiver } from "../../support/daraja";

const HOUR = 3_600_000;
const digits = (d: Date) => d.toISOString().replace(/\D/g, "").slice(0, 14);
const nairobiTimestamp = () => digits(new Date(Date.now() + 3 * HOUR));
const utcTimestamp = () => digits(new Date());

describe("simulator fidelity for collections and reversals", () => {
  let world: Awaited<ReturnType<typeof startDarajaWorld>>;
  const cb = (path: string) => world.receiver.url(path);
  const resultOn = (path: string) => world.receiver.resultOn(path);
  const utility = (shortcode: string) => world.sim.state.orgs.get(shortcode)?.utilityCents ?? 0;
  const balance = (msisdn: string) => world.sim.state.phones.get(msisdn)?.balanceCents ?? 0;

  /** A Daraja call with a hand-made body, as a client other than Malipo's would send it. */
  const raw = async (path: string, body: Record<string, unknown>) => {
    const token = await world.client.accessToken();
    const res = await fetch(`${world.sim.url}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const push = (overrides: Record<string, unknown>) => {
    const timestamp = String(overrides.Timestamp ?? nairobiTimestamp());
    return raw("/mpesa/stkpush/v1/processrequest", {
      BusinessShortCode: "174379",
      Password: stkPassword("174379", SANDBOX_STK_PASSKEY, timestamp),
      TransactionType: "CustomerPayBillOnline",
      Amount: 10,
      PartyA: "254700000000",
      PartyB: "174379",
      PhoneNumber: "254700000000",
      CallBackURL: cb("/stk"),
      AccountReference: "REF",
      TransactionDesc: "Payment",
      ...overrides,
      Timestamp: timestamp,
    });
  };
  const reverse = (path: string, overrides: Record<string, unknown>) =>
    raw("/mpesa/reversal/v1/request", {
      Initiator: "testapi",
      SecurityCredential: securityCredential("Safaricom999!*!", world.sim.certificatePem),
      CommandID: "TransactionReversal",
      ReceiverParty: "600000",
      RecieverIdentifierType: "11",
      ResultURL: cb(path),
      QueueTimeOutURL: cb(`${path}/timeout`),
      Remarks: "Refund",
      ...overrides,
    });
  const payC2b = async (msisdn: string, amount: number) => {
    const paid = await world.control("POST", "/sim/c2b/pay", {
      shortcode: "600000",
      phone: msisdn,
      amount,
      account: "ACC",
    });
    return String(paid.transId);
  };

  beforeAll(async () => {
    world = await startDarajaWorld();
  });
  afterAll(() => world.close());
  afterEach(async () => {
    await world.control("DELETE", "/sim/outcomes");
    await world.control("PUT", "/sim/orgs/600000", { utility: 1_000_000, working: 0 });
  });

  describe("reversal", () => {
    it("reverses part of a C2B payment back to the payer, once: the rest gets R000001", async () => {
      const receipt = await payC2b("254712000201", 100);
      const [orgBefore, phoneBefore] = [utility("600000"), balance("254712000201")];

      await reverse("/rev/part", { TransactionID: receipt, Amount: 40 });
      const result = await resultOn("/rev/part");
      expect(result).toMatchObject({
        resultCode: "0",
        parameters: { Amount: 40, OriginalTransactionID: receipt },
      });
      expect(utility("600000")).toBe(orgBefore - 4_000);
      expect(balance("254712000201")).toBe(phoneBefore + 4_000);
      expect(world.sim.state.transactions.get(receipt)).toMatchObject({
        status: "Reversed",
        reversedAmount: 40,
      });

      await reverse("/rev/rest", { TransactionID: receipt, Amount: 60 });
      expect(await resultOn("/rev/rest")).toMatchObject({ resultCode: "R000001", parameters: {} });
      expect(utility("600000")).toBe(orgBefore - 4_000);
    });

    it("reverses a B2C by taking the money back from the customer, without paying them again", async () => {
      await world.client.b2cPayment({
        amount: 500,
        phone: "0712000202",
        remarks: "Payout",
        resultUrl: cb("/rev/b2c/pay"),
        timeoutUrl: cb("/rev/b2c/pay/t"),
      });
      const paid = await resultOn("/rev/b2c/pay");
      const [orgBefore, phoneBefore] = [utility("600000"), balance("254712000202")];

      await reverse("/rev/b2c", { TransactionID: paid.transactionId, Amount: 500 });
      const result = await resultOn("/rev/b2c");
      expect(result.resultCode).toBe("0");
      expect(utility("600000")).toBe(orgBefore + 50_000);
      expect(balance("254712000202")).toBe(phoneBefore - 50_000);
      expect(result.parameters).toMatchObject({
        DebitPartyPublicName: expect.stringMatching(/^254712000202 - /),
        CreditPartyPublicName: "600000 - Simulated Merchant",
      });
    });

    it("reverses an STK payment to the STK shortcode that received it, taking RecieverIdentifierType 4", async () => {
      const sent = await push({ Amount: 30 });
      await world.receiver.waitFor(1, "/stk");
      const receipt = world.sim.state.prompts.get(String(sent.body.CheckoutRequestID))?.receipt ?? "";
      const before = utility("174379");
      await reverse("/rev/stk", {
        TransactionID: receipt,
        Amount: 30,
        ReceiverParty: "174379",
        RecieverIdentifierType: "4",
      });
      expect(await resultOn("/rev/stk")).toMatchObject({ resultCode: "0" });
      expect(utility("174379")).toBe(before - 3_000);
    });

    it("fails an amount above the original, another shortcode and an unknown receipt with R000002", async () => {
      const receipt = await payC2b("254712000203", 100);
      const orgBefore = utility("600000");

      await reverse("/rev/more", { TransactionID: receipt, Amount: 101 });
      expect(await resultOn("/rev/more")).toMatchObject({
        resultCode: "R000002",
        transactionId: "SKE0000000",
      });
      await reverse("/rev/other", { TransactionID: receipt, Amount: 100, ReceiverParty: "600111" });
      expect(await resultOn("/rev/other")).toMatchObject({ resultCode: "R000002" });
      await reverse("/rev/unknown", { TransactionID: "QQQ1234567", Amount: 100 });
      expect(await resultOn("/rev/unknown")).toMatchObject({
        resultCode: "R000002",
        resultDesc: "The OriginalTransactionID is invalid.",
      });
      expect(utility("600000")).toBe(orgBefore);
      const warnings = world.sim.state.warnings.filter((w) => w.ref === receipt).map((w) => w.message);
      expect(warnings).toEqual([
        expect.stringContaining("Amount 101 is more than the 100"),
        expect.stringContaining("ReceiverParty 600111 is not the shortcode"),
      ]);

      // The original is untouched, so a correct request still reverses it.
      await reverse("/rev/ok", { TransactionID: receipt, Amount: 100 });
      expect(await resultOn("/rev/ok")).toMatchObject({ resultCode: "0" });
    });

    it("refuses another RecieverIdentifierType with Daraja's invalid-field envelope", async () => {
      const receipt = await payC2b("254712000204", 50);
      const res = await reverse("/rev/type", {
        TransactionID: receipt,
        Amount: 50,
        RecieverIdentifierType: "1",
      });
      expect(res).toMatchObject({
        status: 400,
        body: { errorCode: "400.002.02", errorMessage: "Bad Request - Invalid RecieverIdentifierType" },
      });
    });
  });

  describe("STK Push", () => {
    it("accepts a TransactionDesc over 13 characters and keeps the first 13", async () => {
      const res = await push({
        PhoneNumber: "254712000210",
        PartyA: "254712000210",
        TransactionDesc: `Payment of X${"y".repeat(30)}`,
      });
      expect(res).toMatchObject({ status: 200, body: { ResponseCode: "0" } });
      expect(world.sim.state.prompts.get(String(res.body.CheckoutRequestID))?.description).toBe(
        "Payment of Xy",
      );
    });

    it("accepts a paybill push whose PartyB is not the shortcode and fails it by callback with 2028", async () => {
      const before = balance("254700000000");
      const res = await push({ PartyB: "600000", CallBackURL: cb("/stk/partyb") });
      expect(res).toMatchObject({ status: 200, body: { ResponseCode: "0" } });
      const [callback] = await world.receiver.waitFor(1, "/stk/partyb");
      expect(callback?.body).toMatchObject({
        Body: {
          stkCallback: { ResultCode: 2028, ResultDesc: expect.stringContaining("product assignment") },
        },
      });
      expect(balance("254700000000")).toBe(before);
      expect(world.sim.state.prompts.get(String(res.body.CheckoutRequestID))?.warnings).toEqual([
        expect.stringContaining("PartyB 600000 is not the paybill 174379"),
      ]);
    });

    it("checks a Buy Goods PartyB against the till registered for the shortcode", async () => {
      expect(await world.control("POST", "/sim/config", { stkTills: { "174379": "till" } })).toHaveProperty(
        "error",
      );
      await world.control("POST", "/sim/config", { stkTills: { "174379": "5123456" } });
      const till = {
        TransactionType: "CustomerBuyGoodsOnline",
        PhoneNumber: "254712000211",
        PartyA: "254712000211",
      };
      await world.control("POST", "/sim/outcomes", { api: "stk", phone: "254712000211", resultCode: "0" });
      await push({ ...till, PartyB: "5123456", CallBackURL: cb("/stk/till/ok") });
      const [ok] = await world.receiver.waitFor(1, "/stk/till/ok");
      expect(ok?.body).toMatchObject({ Body: { stkCallback: { ResultCode: 0 } } });

      const res = await push({ ...till, PartyB: "5999999", CallBackURL: cb("/stk/till/wrong") });
      expect(res.status).toBe(200);
      const [wrong] = await world.receiver.waitFor(1, "/stk/till/wrong");
      expect(wrong?.body).toMatchObject({ Body: { stkCallback: { ResultCode: 2028 } } });
      // Paid to the right till, the transaction is reversible through the till too.
      const receipt = [...world.sim.state.transactions.values()].find(
        (t) => t.receiver === "5123456",
      )?.receipt;
      expect(receipt).toBeDefined();
    });

    it("accepts a UTC timestamp and warns about it in the log, the prompt and /sim/state", async () => {
      const logs: string[] = [];
      const logged = await startDarajaWorld({ log: (m) => logs.push(m) });
      try {
        const token = await logged.client.accessToken();
        const timestamp = utcTimestamp();
        const res = await fetch(`${logged.sim.url}/mpesa/stkpush/v1/processrequest`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            BusinessShortCode: "174379",
            Password: stkPassword("174379", SANDBOX_STK_PASSKEY, timestamp),
            Timestamp: timestamp,
            TransactionType: "CustomerPayBillOnline",
            Amount: 10,
            PartyA: "254712000212",
            PartyB: "174379",
            PhoneNumber: "254712000212",
            CallBackURL: logged.receiver.url("/utc"),
            AccountReference: "UTC",
            TransactionDesc: "UTC",
          }),
        });
        expect(res.status).toBe(200);
        const state = await logged.control("GET", "/sim/state");
        expect(state.warnings).toEqual([
          expect.objectContaining({ api: "stk", message: expect.stringContaining("not Nairobi time") }),
        ]);
        expect(logs.some((l) => l.includes("not Nairobi time"))).toBe(true);
        const [prompt] = logged.sim.state.prompts.values();
        expect(prompt?.warnings).toHaveLength(1);

        // Malipo's own client builds Nairobi time: no warning.
        await logged.client.stkPush({
          amount: 10,
          phone: "0712000213",
          accountReference: "EAT",
          callbackUrl: logged.receiver.url("/eat"),
        });
        expect(logged.sim.state.warnings).toHaveLength(1);
      } finally {
        await logged.close();
      }
    });

    it("tells UTC from Nairobi time only near the present", () => {
      const now = new Date("2026-12-02T09:00:00Z");
      expect(looksLikeUtc("20261202090100", now)).toBe(true);
      expect(looksLikeUtc("20261202120000", now)).toBe(false); // Nairobi time
      expect(looksLikeUtc("20261202060000", now)).toBe(false); // far off either way: not this bug
      expect(looksLikeUtc("20261202091000", now)).toBe(false); // ten minutes off
    });
  });

  describe("C2B", () => {
    it("echoes the validation answer's ThirdPartyTransID in the confirmation", async () => {
      const merchant = await startReceiver((path) =>
        path === "/v" ? { ResultCode: "0", ResultDesc: "Accepted", ThirdPartyTransID: "ORDER-77" } : {},
      );
      try {
        await world.client.registerC2bUrls({
          responseType: "Cancelled",
          confirmationUrl: merchant.url("/c"),
          validationUrl: merchant.url("/v"),
        });
        await payC2b("254712000220", 75);
        const [validation] = await merchant.waitFor(1, "/v");
        const [confirmation] = await merchant.waitFor(1, "/c");
        expect(validation?.body).toMatchObject({ ThirdPartyTransID: "" });
        expect(confirmation?.body).toMatchObject({ ThirdPartyTransID: "ORDER-77", TransAmount: "75.00" });
      } finally {
        await merchant.close();
      }
    });

    it("waits 8 s for the validation answer, then applies the registered ResponseType", async () => {
      expect(world.sim.settings.c2bValidationWindowMs).toBe(8_000);
      const slow = await startDarajaWorld({ c2bValidationWindowMs: 200 });
      const merchant = await startReceiver();
      try {
        // A validation URL that never answers in time: nothing listens behind this delay.
        const hang = await startHangingServer();
        await slow.client.registerC2bUrls({
          responseType: "Cancelled",
          confirmationUrl: merchant.url("/c"),
          validationUrl: hang.url,
        });
        const started = Date.now();
        const result = await slow.control("POST", "/sim/c2b/pay", {
          shortcode: "600000",
          phone: "254712000221",
          amount: 5,
        });
        expect(Date.now() - started).toBeLessThan(2_000);
        expect(result).toMatchObject({ transId: null, outcome: expect.stringMatching(/rejected/) });
        await hang.close();
      } finally {
        await merchant.close();
        await slow.close();
      }
    });
  });
});

/** An HTTP server that takes requests and never answers them. */
async function startHangingServer() {
  const { createServer } = await import("node:http");
  const open = new Set<import("node:http").ServerResponse>();
  const server = createServer((_req, res) => void open.add(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as import("node:net").AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/validate`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
